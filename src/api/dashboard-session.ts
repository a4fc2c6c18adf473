import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** A dashboard login lasts a working day. */
export const sessionLifetimeMs = 8 * 3600 * 1000;

/**
 * The key that signs dashboard sessions: derived from the master key (HKDF-SHA256), so there is no other
 * secret to configure and every API process behind a load balancer accepts the others' sessions; used for
 * nothing else.
 */
export function dashboardSessionKey(masterKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'supplier-gateway dashboard session v1', 32));
}

export interface DashboardSession {
  /** The API key that logged in; checked against the keys file on every request. */
  keyId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const signatureOf = (sessionKey: Buffer, claims: string) => createHmac('sha256', sessionKey).update(claims).digest();

/** `<key id>.<expiry>.<HMAC-SHA256 of both>`: names the API key without carrying its token, and cannot be made or altered without the session key. */
export function signSession(sessionKey: Buffer, { keyId, expiresAt }: DashboardSession): string {
  const claims = `${keyId}.${expiresAt}`;
  return `${claims}.${signatureOf(sessionKey, claims).toString('base64url')}`;
}

/** The session `value` holds, when `sessionKey` signed it and it has not expired. */
export function verifySession(sessionKey: Buffer, value: string): DashboardSession | undefined {
  const parts = /^([\w-]+)\.(\d{1,15})\.([\w-]+)$/.exec(value);
  if (!parts) return undefined;
  const [, keyId, expiry, signature] = parts;
  const given = Buffer.from(signature, 'base64url');
  const expected = signatureOf(sessionKey, `${keyId}.${expiry}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const expiresAt = Number(expiry);
  return expiresAt > Date.now() ? { keyId, expiresAt } : undefined;
}
