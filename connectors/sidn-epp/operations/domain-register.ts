import { randomBytes } from 'node:crypto';
import { type DeliveryContext, type DeliveryResult, type RecordErasure, type SubjectRecord, SupplierContractError, SupplierRejectedError, sha256Hex, type Operation } from '../../../src/connector-kit';
import { type DomainRegisterPayload, isDomainRegisterPayload } from '../../domain-register';
import { domainCheckFrame, domainCreateFrame, domainInfoFrame, hostCheckFrame, hostCreateFrame } from '../commands';
import { type CallContext, contactFor, discardContacts, eraseContacts, transferContactOf } from '../contacts';
import { EPP } from '../result-codes';
import type { EppSession } from '../session';
import { child, children, textOf } from '../xml';

/** `$id` of the agreed request schema (schemas/sidn/v1/domain.register.request.schema.json). */
export const DOMAIN_REGISTER_SCHEMA_ID = 'https://schemas.supplier-gateway.local/sidn/v1/domain.register.request.schema.json';

const callOf = (ctx: Pick<DeliveryContext, 'signal' | 'log'>, transferId: string): CallContext => ({ signal: ctx.signal, log: ctx.log, clTRID: transferId });

/**
 * domain:check (taken: refused before any contact is made), the registrant contact (reused, found or created, and
 * recorded), the name servers as host objects, domain:create, then domain:info for the ROID. Every command carries
 * the transfer id as clTRID. `sentDigest` is the SHA-256 of the contact:create XML followed directly by the
 * domain:create XML: the frames that carry personal data, whichever attempt sent the contact.
 */
async function deliverDomainRegister(session: EppSession, payload: DomainRegisterPayload, ctx: DeliveryContext): Promise<DeliveryResult> {
  const call = callOf(ctx, ctx.transferId);
  const check = await session.send({ label: 'domain:check', xml: domainCheckFrame(payload.domain, call.clTRID), transform: false, ...call });
  if (child(child(child(check.data, 'chkData'), 'cd'), 'name')?.['@_avail'] !== '1') throw domainTaken();

  const { contactId, contactXml } = await contactFor(session, payload.registrant, ctx, call);
  await ensureHosts(session, payload.nameServers, call);
  const domainXml = domainCreateFrame(
    { name: payload.domain, period: payload.period, nameServers: payload.nameServers, contactId, authInfo: randomBytes(12).toString('base64url') },
    call.clTRID,
  );
  const created = await session.send({ label: 'domain:create', xml: domainXml, transform: true, accept: [EPP.objectExists], ...call });
  if (created.code === EPP.objectExists) throw domainTaken();
  const registered = await registrationOf(session, payload.domain, call);
  if (registered?.registrant !== contactId) throw new SupplierContractError('epp_domain_not_found', 'SIDN created the domain but domain:info does not show it as ours');
  return { supplierReference: registered.roid, sentDigest: sha256Hex(Buffer.from(contactXml + domainXml, 'utf8')) };
}

/**
 * The domain's ROID when it stands with this transfer's contact as registrant (the recorded one, or the one found by
 * the proposed id after `discard` forgot it); an older registration of the name, or another registrar's, does not count.
 */
async function lookupDomainRegister(session: EppSession, payload: DomainRegisterPayload, ctx: DeliveryContext): Promise<{ supplierReference: string } | null> {
  const call = callOf(ctx, ctx.transferId);
  const registered = await registrationOf(session, payload.domain, call);
  if (registered === undefined) return null;
  const contactId = await transferContactOf(session, ctx.state, call);
  return contactId !== undefined && registered.registrant === contactId ? { supplierReference: registered.roid } : null;
}

async function discardDomainRegister(session: EppSession, ctx: DeliveryContext): Promise<void> {
  await discardContacts(session, ctx, callOf(ctx, ctx.transferId));
}

async function eraseDomainRegister(session: EppSession, record: SubjectRecord, ctx: Pick<DeliveryContext, 'signal' | 'log'>): Promise<RecordErasure> {
  return eraseContacts(session, record, callOf(ctx, record.transferId));
}

const domainTaken = () => new SupplierRejectedError('domain_taken', 'the domain is already registered');

/** domain:info: ROID and registrant, or undefined when SIDN has no such domain (2303) or it is another registrar's (2201). */
async function registrationOf(session: EppSession, domain: string, call: CallContext): Promise<{ roid: string; registrant: string | undefined } | undefined> {
  const info = await session.send({ label: 'domain:info', xml: domainInfoFrame(domain, call.clTRID), transform: false, accept: [EPP.objectDoesNotExist, 2201], ...call });
  if (info.code !== EPP.ok) return undefined;
  const data = child(info.data, 'infData');
  const roid = textOf(data, 'roid');
  if (!roid) throw new SupplierContractError('epp_missing_roid', 'SIDN answered domain:info without a ROID');
  return { roid, registrant: textOf(data, 'registrant') };
}

/** host:check the name servers, and host:create those SIDN does not know yet (RFC 5732). */
async function ensureHosts(session: EppSession, nameServers: string[], call: CallContext): Promise<void> {
  const check = await session.send({ label: 'host:check', xml: hostCheckFrame(nameServers, call.clTRID), transform: false, ...call });
  const unknown = children(child(check.data, 'chkData'), 'cd')
    .map((cd) => child(cd, 'name'))
    .filter((name) => name?.['@_avail'] === '1')
    .map((name) => textOf(name) ?? '');
  for (const name of unknown) {
    await session.send({ label: 'host:create', xml: hostCreateFrame(name, call.clTRID), transform: true, accept: [EPP.objectExists], ...call });
  }
}

/** `domain.register` over `session`. */
export function domainRegister(session: EppSession): Operation<DomainRegisterPayload> {
  return {
    isPayload: isDomainRegisterPayload,
    deliver: (payload, ctx) => deliverDomainRegister(session, payload, ctx),
    lookup: (payload, ctx) => lookupDomainRegister(session, payload, ctx),
    discard: (ctx) => discardDomainRegister(session, ctx),
    erase: (record, ctx) => eraseDomainRegister(session, record, ctx),
  };
}
