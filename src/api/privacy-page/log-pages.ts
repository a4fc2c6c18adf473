import type { Problem } from '../../problem';
import type { processingRecord } from '../../shares/processing-record';
import type { Checkpoint } from '../../shares/checkpoints';
import type { LoggedShare } from '../../shares/share-log';
import type { Verification } from '../../shares/verification';
import { html } from '../html';
import { shareQuery } from '../routes/shares';
import { linkTo, page, privacyPath, problemAlert, textField, when } from './layout';

/** The filters of the shares log page, as given: the form shows them again. */
export type ShareFilterFields = Partial<Record<'subject' | 'supplier' | 'since' | 'until', string>>;

/** The shares log, filtered and paged, with the CSV of every entry the filters match; without `shares`, the form and the problem. */
export function sharesPage(filters: ShareFilterFields, shares: { items: LoggedShare[]; nextCursor: string | null } | undefined, problem?: Problem): string {
  return page({
    title: 'Shares log',
    main: html`<p>Every share and erasure step, oldest first. Each read is recorded.</p>
${problemAlert(problem)}<form method="get" action="${privacyPath}/shares">
${textField('subject', 'Subject id', filters.subject, { hint: shareQuery.subject.expected })}${textField('supplier', 'Supplier', filters.supplier, { hint: shareQuery.supplier.expected })}${textField('since', 'Since', filters.since, { hint: shareQuery.since.expected })}${textField('until', 'Until (not included)', filters.until, { hint: shareQuery.until.expected })}<p><button type="submit">Filter</button></p>
</form>
${shares && html`<p><a href="${linkTo('/shares.csv', filters)}" download>Download every matching entry as CSV</a></p>
<table>
<caption>Entries${shares.items.length === 0 && ': none match'}</caption>
<thead><tr><th scope="col">Seq</th><th scope="col">When</th><th scope="col">Event</th><th scope="col">Supplier</th><th scope="col">Transfer or erasure</th><th scope="col">Purpose</th><th scope="col">Fields shared</th></tr></thead>
<tbody>
${shares.items.map(shareRow)}</tbody>
</table>
${shares.nextCursor && html`<p><a href="${linkTo('/shares', { ...filters, cursor: shares.nextCursor })}">Next entries</a></p>\n`}`}`,
  });
}

function shareRow(entry: LoggedShare) {
  const fields = entry as Partial<Record<'supplier' | 'transferId' | 'erasureId' | 'purpose', string>> & { fieldsShared?: string[] };
  return html`<tr><td>${entry.seq}</td><td>${when(entry.at)}</td><td>${entry.event}</td><td>${fields.supplier}</td><td><code>${fields.transferId ?? fields.erasureId}</code></td><td>${fields.purpose}</td><td>${fields.fieldsShared?.join(', ')}</td></tr>\n`;
}

/** Whether the hash chain holds up to its latest signed head, the head, and what to keep elsewhere to check it: the checkpoint and our public key. */
export function verifyPage({ verification, checkpoint }: { verification: Verification; checkpoint: Checkpoint | null }, publicKey: string): string {
  return page({
    title: 'Verify the shares log',
    main: html`${
      verification.ok
        ? html`<p class="ok" role="status">The hash chain holds${verification.checkpoint && ', and matches the latest signed head'}: no entry was altered, removed or reordered.</p>\n`
        : html`<p class="alert" role="alert">${verification.problem}${verification.firstBadSeq !== null && ` The first bad entry is ${verification.firstBadSeq}.`}</p>\n`
    }<dl>
<dt>Entries</dt><dd>${verification.entries}</dd>
${verification.head && html`<dt>Head</dt><dd>entry ${verification.head.seq}, hash <code>${verification.head.hash}</code></dd>\n`}</dl>
<h2>Latest signed head</h2>
${
  checkpoint
    ? html`<dl>
<dt>Entry</dt><dd>${checkpoint.seq}</dd>
<dt>Hash</dt><dd><code>${checkpoint.hash}</code></dd>
<dt>Signed</dt><dd>${when(checkpoint.signedAt)}, ${checkpoint.algorithm}</dd>
<dt>Signature</dt><dd><code>${checkpoint.signature}</code></dd>
</dl>
`
    : html`<p>No head has been signed yet: the gateway signs one within a minute of the log moving.</p>\n`
}<h2>Public key</h2>
<p>Keep it, and checkpoints, outside the gateway: <code>sgw shares verify --checkpoint</code> checks the log against them.</p>
<pre>${publicKey}</pre>
`,
  });
}

/** The GDPR Art. 30(1) record, one part per supplier. */
export function recordPage(record: ReturnType<typeof processingRecord>): string {
  const [first] = record.activities;
  return page({
    title: 'Record of processing activities',
    main: html`<p>GDPR Art. 30(1), generated on ${when(record.generatedAt)} from the agreements of the configured suppliers.</p>
${record.activities.map(
  (activity) => html`<h2>${activity.recipient.legalName}</h2>
<dl>
<dt>Supplier</dt><dd>${activity.supplier}</dd>
<dt>Role</dt><dd>${activity.recipient.role}</dd>
<dt>Country</dt><dd>${activity.recipient.country}</dd>
<dt>Agreement</dt><dd>${activity.agreement.reference}, valid from ${activity.agreement.validFrom} until ${activity.agreement.validUntil}${activity.agreement.inForce ? ' (in force)' : ' (not in force)'}</dd>
<dt>Subjects</dt><dd>${activity.subjectCategories.join(', ')}</dd>
<dt>Data categories</dt><dd>${activity.dataCategories.join(', ')}</dd>
<dt>Retention</dt><dd>${activity.retention.period}, after ${activity.retention.after}</dd>
<dt>Transfer outside the EEA</dt><dd>${activity.transferOutsideEea ? `to ${activity.transferOutsideEea.country}, under ${activity.transferOutsideEea.safeguard}` : 'none'}</dd>
</dl>
<table>
<caption>Purposes at ${activity.recipient.legalName}</caption>
<thead><tr><th scope="col">Purpose</th><th scope="col">What for</th><th scope="col">Lawful bases</th></tr></thead>
<tbody>
${activity.purposes.map((purpose) => html`<tr><td>${purpose.purpose}</td><td>${purpose.description}</td><td>${purpose.bases.join(', ')}</td></tr>\n`)}</tbody>
</table>
<table>
<caption>Operations at ${activity.recipient.legalName}</caption>
<thead><tr><th scope="col">Operation</th><th scope="col">Purposes</th><th scope="col">Data categories</th></tr></thead>
<tbody>
${activity.operations.map((operation) => html`<tr><td>${operation.operation}</td><td>${operation.purposes.join(', ')}</td><td>${operation.dataCategories.join(', ')}</td></tr>\n`)}</tbody>
</table>
`,
)}${first && html`<h2>Safeguards for every transfer (Art. 32)</h2>
<dl>
${Object.entries(first.safeguards).map(([name, safeguard]) => html`<dt>${name.replace(/[A-Z]/g, (letter) => ` ${letter.toLowerCase()}`)}</dt><dd>${safeguard}</dd>\n`)}</dl>
`}`,
  });
}
