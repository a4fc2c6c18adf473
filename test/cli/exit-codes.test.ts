import { closedPort, sgw } from './sgw';

// Issue 11, point 9: exit codes scripts can rely on. A usage error is found before any request, so these
// point the CLI at a closed port: had it sent a request, it would have exited 3, not 2.
let env: Record<string, string>;
beforeAll(async () => {
  env = { SGW_URL: `http://127.0.0.1:${await closedPort()}`, SGW_TOKEN: 'sgw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
});

test.each([
  ['an unknown command', ['transfers', 'explode'], /unknown command 'explode'/],
  ['an unknown option', ['transfers', 'list', '--colour'], /unknown option '--colour'/],
  ['a --since that is neither a duration nor an ISO date', ['transfers', 'list', '--since', 'yesterday'], /'yesterday' is invalid\. Give a duration back from now \(30m, 2h, 7d\)/],
  ['a date-time without its offset', ['transfers', 'list', '--until', '2026-05-01T08:00:00'], /--until <when>' argument '2026-05-01T08:00:00' is invalid/],
  ['a status a bulk retry cannot take', ['transfers', 'retry', '--status', 'delivered'], /Allowed choices are failed, unknown/],
  ['a --limit over 1000', ['transfers', 'list', '--limit', '1001'], /Give a whole number from 1 to 1000/],
  ['a bulk retry without a filter', ['transfers', 'retry'], /give a transfer id, or filters for a bulk retry/],
  ['a transfer id and filters together', ['transfers', 'retry', 'some-id', '--supplier', 'openprovider'], /give a transfer id or filters, not both/],
  ['a command group without its command', ['transfers'], /Usage: sgw transfers/],
])('%s exits 2, says why on stderr and prints nothing on stdout', async (_case, args, message) => {
  const result = await sgw(['--json', ...args], env);
  expect(result).toMatchObject({ code: 2, stdout: '' });
  expect(result.stderr).toMatch(message);
});

test('no SGW_TOKEN exits 2 and says how to make one', async () => {
  const result = await sgw(['suppliers'], { SGW_URL: env.SGW_URL });
  expect(result).toMatchObject({ code: 2, stdout: '' });
  expect(result.stderr).toMatch(/SGW_TOKEN is not set.*sgw keys create/);
});

test('--help exits 0 and shows the commands', async () => {
  const result = await sgw(['transfers', 'retry', '--help'], env);
  expect(result.code).toBe(0);
  expect(result.stdout).toMatch(/--dry-run/);
  expect(result.stdout).toMatch(/--json/);
});

test('a gateway at a closed port is unreachable: exit 3, a message on stderr, nothing on stdout even with --json', async () => {
  const result = await sgw(['transfers', 'list', '--since', '2h', '--json'], env);
  expect(result).toMatchObject({ code: 3, stdout: '' });
  expect(result.stderr).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
});
