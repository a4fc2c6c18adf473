import type { Problem } from '../../problem';
import type { Disclosure, SubjectDisclosures } from '../../shares/disclosures';
import type { ErasureStatement } from '../../subjects/erasure-statement';
import { erasureReasons, type ErasureReason } from '../../subjects/erasures';
import { html } from '../html';
import { subjectParameter } from '../routes/shares';
import { linkTo, page, privacyPath, problemAlert, textField, when } from './layout';

/** How often the statement of a running erasure loads itself again. */
export const statementRefreshSeconds = 3;

/** The grounds of GDPR Art. 17(1) in words, by the name the API takes. */
const reasonLabels: Record<ErasureReason, string> = {
  no_longer_necessary: '(a) no longer necessary for the purposes it was collected for',
  consent_withdrawn: '(b) consent withdrawn, and no other legal ground',
  objection: '(c) objection to the processing',
  unlawful_processing: '(d) processed unlawfully',
  legal_obligation: '(e) erasure required by a legal obligation',
  child_information_society: "(f) collected for an information society service offered to a child",
};

/** The form that finds a subject: the landing page, and the page again when the id given was no good. */
export function findPage({ subject, problem }: { subject?: string; problem?: Problem } = {}): string {
  return page({
    title: 'Find a subject',
    main: html`<p>What was shared about a customer, to answer their access request (GDPR Art. 15), and their erasure (Art. 17). Each look-up is recorded.</p>
${problemAlert(problem)}<form method="get" action="${privacyPath}/disclosures">
${textField('subject', 'Subject id', subject, { hint: `The customer's id, as transfer requests give it: ${subjectParameter.expected}.`, required: true })}<p><button type="submit">Find</button></p>
</form>
`,
  });
}

/** A subject's disclosures: the summary to send the customer, a table per recipient, and the erasure form. */
export function disclosuresPage(subject: string, { recipients, summary }: SubjectDisclosures): string {
  return page({
    title: `What was shared about ${subject}`,
    main: html`<h2>Summary for the customer</h2>
<div class="summary">
${summary.split('\n').map((sentence) => html`<p>${sentence}</p>\n`)}</div>
${recipients.map(
  (recipient) => html`<h2>${recipient.legalName}</h2>
<p>Supplier ${recipient.supplier}${recipient.role && html`, ${recipient.role}`}${recipient.country && html`, ${recipient.country}`}.</p>
<table>
<caption>Transfers to ${recipient.legalName}</caption>
<thead><tr><th scope="col">When</th><th scope="col">Purpose</th><th scope="col">Basis</th><th scope="col">Fields shared</th><th scope="col">Outcome</th></tr></thead>
<tbody>
${recipient.transfers.map(transferRow)}</tbody>
</table>
`,
)}<p><a href="${linkTo('/shares', { subject })}">This subject's entries in the shares log</a></p>
<h2 id="erase">Erase this subject</h2>
${erasureForm(subject)}`,
  });
}

function transferRow(transfer: Disclosure) {
  return html`<tr><td>${when(transfer.at)}</td><td>${transfer.purpose}</td><td>${transfer.basis.type.replace(/_/g, ' ')}${transfer.basis.reference !== null && html` (${transfer.basis.reference})`}</td><td>${transfer.fieldsShared.join(', ')}</td><td>${transfer.outcome}</td></tr>\n`;
}

/** The erasure form; with a problem, the form again with what was typed. */
function erasureForm(subject: string, { reference, reason, problem }: { reference?: string; reason?: string; problem?: Problem } = {}) {
  return html`<p>Destroys the subject's data keys, cancels its pending transfers and asks every supplier that received its data to erase it. It cannot be undone.</p>
${problemAlert(problem)}<form method="post" action="${privacyPath}/erasures">
<input type="hidden" name="subject" value="${subject}">
${textField('reference', "The customer's request (ticket or letter reference)", reference, { required: true })}<p>
<label for="reason">Ground (GDPR Art. 17(1))</label>
<select id="reason" name="reason" required>
${erasureReasons.map((value) => html`<option value="${value}"${value === reason && html` selected`}>${reasonLabels[value]}</option>\n`)}</select>
</p>
<p><button type="submit">Start the erasure</button></p>
</form>
`;
}

/** The erasure form again, with what was wrong (or the erasure already running) and what was typed. */
export function erasureFormPage(subject: string, fields: { reference?: string; reason?: string }, problem: Problem, runningId?: string): string {
  return page({
    title: `Erase ${subject}`,
    main: html`${runningId && html`<p><a href="${privacyPath}/erasures/${runningId}">The erasure that is running</a></p>\n`}${erasureForm(subject, { ...fields, problem })}<p><a href="${linkTo('/disclosures', { subject })}">Back to what was shared about ${subject}</a></p>
`,
  });
}

/** An erasure's statement; while it runs the page loads itself again, and says so. */
export function statementPage(statement: ErasureStatement): string {
  const running = statement.status === 'running';
  return page({
    title: `Erasure ${statement.reference}`,
    refreshSeconds: running ? statementRefreshSeconds : undefined,
    main: html`<p role="status">${
      running
        ? `Running: waiting for the suppliers' answers. This page reloads itself every ${statementRefreshSeconds} seconds until the erasure has completed.`
        : `Completed on ${when(statement.completedAt!)}.`
    }</p>
<dl>
<dt>Requested</dt><dd>${when(statement.requestedAt)}</dd>
<dt>Ground</dt><dd>${reasonLabels[statement.reason as ErasureReason] ?? statement.reason}</dd>
<dt>Erasure id</dt><dd><code>${statement.id}</code></dd>
</dl>
<h2>Erased here</h2>
<p>${statement.erasedLocally.detail}</p>
<h2>Kept here, and why</h2>
<table>
<caption>Records kept</caption>
<thead><tr><th scope="col">Record</th><th scope="col">Entries</th><th scope="col">Legal ground</th><th scope="col">Kept for</th></tr></thead>
<tbody>
${statement.retainedLocally.map((kept) => html`<tr><td>${kept.description}</td><td>${kept.count}</td><td>${kept.legalGround}</td><td>${kept.keepUntil ?? kept.keptFor}</td></tr>\n`)}</tbody>
</table>
<h2>Recipients</h2>
${statement.recipients.length === 0 && html`<p>No supplier received data about this subject.</p>\n`}${statement.recipients.map(
  (recipient) => html`<h3>${recipient.recipient}: ${recipient.status.replace(/_/g, ' ')}</h3>
<p>${recipient.reason}</p>
${recipient.records.length > 0 && html`<table>
<caption>What ${recipient.recipient} did with each transfer</caption>
<thead><tr><th scope="col">Transfer</th><th scope="col">Outcome</th><th scope="col">Why</th></tr></thead>
<tbody>
${recipient.records.map((record) => html`<tr><td><code>${record.transferId}</code></td><td>${record.status.replace(/_/g, ' ')}</td><td>${record.reason}</td></tr>\n`)}</tbody>
</table>
`}`,
)}`,
  });
}
