import { boardQueue, watchedPage } from '../support/dashboard';
import { browserFixture } from '../support/browser-fixture';
import { api, registerBody, transferStatus } from '../support/gateway';
import { uniqueName } from '../support/services';

/**
 * The dashboard in a real browser (Debian's Chromium, headless): logging in through the form, the board
 * rendering with the queue of the gateway's supplier, and not one console error, page error or CSP
 * violation on the way, from the login form to a failed job's error and back out.
 */
const fixture = browserFixture();

test('log in through the form, see the supplier queue and a failed job, log out: no console error, page error or CSP violation', async () => {
  const { gateway, browser } = fixture;
  const transferIds: string[] = [];
  for (const domain of [undefined, 'taken-example.nl']) {
    const answer = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body: registerBody(undefined, domain), headers: { 'idempotency-key': uniqueName('browser-') } });
    expect(answer.status).toBe(202);
    transferIds.push(answer.json.id);
  }
  await transferStatus(gateway, transferIds[0], ['delivered']);
  await transferStatus(gateway, transferIds[1], ['failed']);
  const { page, problems } = await watchedPage(browser);

  await page.goto(`${gateway.url}/admin/queues`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.getByLabel('API key (ops or admin)').fill(gateway.keys.ops);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${gateway.url}/admin/queues`);
  await page.getByRole('link', { name: boardQueue }).first().waitFor();

  await page.getByRole('link', { name: boardQueue }).first().click();
  await page.waitForURL(`${gateway.url}/admin/queues/queue/${encodeURIComponent(boardQueue)}`);
  await page.goto(`${gateway.url}/admin/queues/queue/${encodeURIComponent(boardQueue)}/${transferIds[1]}`);
  await page.getByText('supplier.rejected.domain_taken').first().waitFor();
  await page.waitForLoadState('networkidle');

  await page.goto(`${gateway.url}/admin/logout`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  await page.goto(`${gateway.url}/admin/queues`);
  expect(new URL(page.url()).pathname).toBe('/admin/login');
  expect(problems).toEqual([]);
});
