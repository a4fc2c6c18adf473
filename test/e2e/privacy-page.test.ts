import { watchedPage } from '../support/dashboard';
import { browserFixture } from '../support/browser-fixture';
import { api, registerBody, transferStatus } from '../support/gateway';
import { uniqueName } from '../support/services';

/**
 * The privacy page in a real browser (Debian's Chromium, headless), by keyboard and form alone: logging in,
 * finding a subject, starting its erasure and watching the statement fill in through the page's own reloads,
 * with not one console error, page error or CSP violation on the way.
 */
const fixture = browserFixture();

test('log in, find a subject, erase it and see the statement complete: no console error, page error or CSP violation', async () => {
  const { gateway, browser } = fixture;
  const subject = uniqueName('cust-');
  const transfer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(subject), headers: { 'idempotency-key': uniqueName('browser-') } });
  expect(transfer.status).toBe(202);
  await transferStatus(gateway, transfer.json.id, ['delivered']);
  // The supplier answers the erasure slowly: the statement is still running when the page first shows it.
  gateway.sandbox.faults.inject({ kind: 'delay', method: 'DELETE', delayMs: 2000 });

  const { page, problems } = await watchedPage(browser);

  await page.goto(`${gateway.url}/privacy`);
  expect(new URL(page.url()).pathname).toBe('/privacy/login');
  await page.getByLabel('API key (privacy or admin)').fill(gateway.keys.privacy);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${gateway.url}/privacy`);
  expect(await page.title()).toBe('Find a subject – supplier-gateway privacy');

  await page.getByLabel('Subject id').fill(subject);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: `What was shared about ${subject}` }).waitFor();
  await page.getByRole('table', { name: 'Transfers to Openprovider B.V.' }).getByRole('cell', { name: 'delivered' }).waitFor();
  // The stylesheet applied: the summary's border comes from /privacy/style.css.
  expect(await page.locator('.summary').evaluate((element) => (globalThis as unknown as { getComputedStyle(element: unknown): { borderLeftStyle: string } }).getComputedStyle(element).borderLeftStyle)).toBe('solid');

  await page.getByLabel("The customer's request (ticket or letter reference)").fill(uniqueName('ticket-'));
  await page.getByLabel('Ground (GDPR Art. 17(1))').selectOption('consent_withdrawn');
  await page.getByRole('button', { name: 'Start the erasure' }).focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/privacy\/erasures\/[0-9a-f-]{36}$/);
  await page.getByRole('status').filter({ hasText: 'This page reloads itself every 3 seconds' }).waitFor();

  // No script: only the page's refresh brings the outcome.
  await page.getByRole('status').filter({ hasText: 'Completed on' }).waitFor({ timeout: 20_000 });
  await page.getByRole('heading', { name: 'Openprovider B.V.: retained' }).waitFor();
  expect(await page.locator('meta[http-equiv="refresh"]').count()).toBe(0);

  await page.getByRole('link', { name: 'Shares log' }).click();
  await page.getByRole('heading', { level: 1, name: 'Shares log' }).waitFor();
  await page.getByRole('link', { name: 'Log out' }).click();
  expect(new URL(page.url()).pathname).toBe('/privacy/login');
  expect(problems).toEqual([]);
});
