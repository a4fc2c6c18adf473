import { SupplierContractError, SupplierRateLimitedError, SupplierRejectedError, SupplierUnavailableError } from '../../../src/connector-kit';
import { closesSession, failureForResult } from '../../../connectors/sidn-epp/result-codes';

test.each([
  [2502, SupplierRateLimitedError, 'rate_limited'],
  [2400, SupplierUnavailableError, 'epp_2400'],
  [2500, SupplierUnavailableError, 'epp_2500'],
  [2501, SupplierUnavailableError, 'epp_2501'],
  [2001, SupplierContractError, 'epp_2001'],
  [2102, SupplierContractError, 'epp_2102'],
  [2302, SupplierRejectedError, 'epp_2302'],
  [2306, SupplierRejectedError, 'epp_2306'],
  [2005, SupplierContractError, 'epp_2005'],
])('result %i → %p %s', (code, errorClass, errorCode) => {
  const error = failureForResult(code, 'contact:create', 7000);
  expect(error).toBeInstanceOf(errorClass);
  expect(error.code).toBe(errorCode);
  expect(error.message).toMatch(String(code));
});

test('2502 waits the configured time; 2500-series results close the session, others do not', () => {
  expect(failureForResult(2502, 'domain:create', 7000)).toMatchObject({ retryAfterMs: 7000 });
  expect([2500, 2501, 2502].every(closesSession)).toBe(true);
  expect([1000, 2400, 2302].some(closesSession)).toBe(false);
});
