import { execFile } from 'node:child_process';
import path from 'node:path';
import { api, registerBody, startTestGateway, type TestGateway } from '../support/gateway';
import { uniqueName, waitFor } from '../support/services';

// Issue 11, point 9: a bulk retry of more than a few hundred transfers shows a progress bar to a person at a
// terminal (stderr a TTY), retrying in batches. `script` gives the CLI a pseudo-terminal, as a person's shell would.
const repoRoot = path.join(__dirname, '..', '..');
const total = 320;
let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startTestGateway();
  for (let start = 0; start < total; start += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, total - start) }, async () => {
        const body = registerBody(undefined, `taken-${uniqueName('bulk-')}.nl`);
        expect((await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('bulk-') } })).status).toBe(202);
      }),
    );
  }
  await waitFor(async () => (await countsByStatus()).failed === total, `${total} transfers to fail`, 60_000);
}, 120_000);
afterAll(() => gateway.close());

const countsByStatus = async () => (await api(gateway, 'GET', '/v1/transfers?limit=1', { token: gateway.keys.ops })).json.counts as Record<string, number>;

/** The command in a pseudo-terminal: stdout and stderr both reach `script`'s output, with the bar's redraws. */
function inTerminal(command: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('script', ['--quiet', '--return', '--command', command, '/dev/null'], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 }, (error, stdout) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, output: stdout }),
    );
  });
}

test(`a bulk retry of ${total} transfers at a terminal draws a bar from 0 to ${total} and retries every one`, async () => {
  // Paused, so that a retried transfer waits in its queue instead of failing again (a taken domain fails at once).
  expect((await api(gateway, 'POST', '/v1/suppliers/openprovider/pause', { token: gateway.keys.ops })).status).toBe(200);
  const { code, output } = await inTerminal('node bin/sgw.js transfers retry --status failed --since 1h', { SGW_URL: gateway.url, SGW_TOKEN: gateway.keys.ops });
  expect(code).toBe(0);
  expect(output).toMatch(new RegExp(`Retrying \\S+ 0/${total} transfers`));
  expect(output).toMatch(new RegExp(`Retrying \\S+ ${total}/${total} transfers`));
  expect(output).toContain(`Retried ${total} of ${total} matching transfers.`);
  expect(await countsByStatus()).toEqual({ queued: total });
}, 60_000);
