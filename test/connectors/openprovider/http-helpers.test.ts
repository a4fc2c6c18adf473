import { SupplierUnavailableError, SupplierUntrustedTlsError, parseRetryAfterMs, transportFailure } from '../../../src/connector-kit';

describe('connector-kit HTTP helpers used by the openprovider connector', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it.each([
    ['120', 120_000],
    [' 0 ', 0],
    ['Tue, 01 Jan 2030 00:00:45 GMT', 45_000],
    ['Mon, 31 Dec 2029 23:59:00 GMT', 0],
    ['soon', 1000],
    [undefined, 1000],
  ])('Retry-After %p → %i ms', (header, expected) => {
    expect(parseRetryAfterMs(header, 1000, now)).toBe(expected);
  });

  it.each([
    ['ECONNREFUSED', 'unreachable', false],
    ['ENOTFOUND', 'unreachable', false],
    ['ECONNRESET', 'connection_lost', true],
    ['ECONNABORTED', 'timeout', true],
    ['ETIMEDOUT', 'timeout', true],
    [undefined, 'connection_lost', true],
  ])('%s on a POST → %s, outcome unknown: %p', (systemCode, code, outcomeUnknown) => {
    const failure = transportFailure(systemCode, 'Supplier', true);
    expect(failure).toBeInstanceOf(SupplierUnavailableError);
    expect(failure).toMatchObject({ code, outcomeUnknown, retryable: true });
  });

  it.each(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'])(
    '%s → untrusted_tls: a configuration to fix, not an outage to retry',
    (systemCode) => {
      const failure = transportFailure(systemCode, 'Supplier', true);
      expect(failure).toBeInstanceOf(SupplierUntrustedTlsError);
      expect(failure).toMatchObject({ code: 'untrusted_tls', retryable: false });
    },
  );

  it('a lost connection on a call that changes nothing leaves no unknown outcome', () => {
    expect(transportFailure('ECONNRESET', 'Supplier', false)).toMatchObject({ code: 'connection_lost', outcomeUnknown: false });
  });

  it('tells how to fix an unverified certificate', () => {
    expect(transportFailure('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'Supplier', true).message).toMatch(/NODE_EXTRA_CA_CERTS/);
  });
});
