import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { createChildGatewayFixture, type ChildGatewayFixture } from '../support/child-gateway';
import { api, registerBody, transferStatus } from '../support/gateway';
import { uniqueName } from '../support/services';

/**
 * Issue 10, point 8: `npm run build` compiles the gateway to dist/, which runs on plain Node with the
 * production dependencies only: no TypeScript loader, no development package.
 */
const repoRoot = path.join(__dirname, '..', '..');
const dist = path.join(repoRoot, 'dist');
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

let fixture: ChildGatewayFixture;
beforeAll(async () => {
  await promisify(execFile)('npm', ['run', 'build'], { cwd: repoRoot });
  fixture = await createChildGatewayFixture();
}, 120_000);
afterAll(() => fixture?.close());

function javascriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? javascriptFiles(path.join(dir, entry.name)) : entry.name.endsWith('.js') ? [path.join(dir, entry.name)] : [],
  );
}

/** The package a module specifier names: `@scope/name` or `name`, without a path inside it. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

test('what the build requires is Node, its own files, or a production dependency', () => {
  const files = javascriptFiles(dist);
  expect(files.map((file) => path.relative(dist, file))).toContain(path.join('src', 'start.js'));
  const required = new Set(files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(([, specifier]) => specifier)));
  const outside = [...required].filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier));
  expect(outside.length).toBeGreaterThan(0);
  expect(outside.map(packageOf).filter((name) => !Object.hasOwn(manifest.dependencies, name))).toEqual([]);
});

test('node dist/src/start.js runs the gateway in production mode: a transfer is accepted and delivered', async () => {
  const gateway = await fixture.start({ NODE_ENV: 'production' }, ['dist/src/start.js']);
  const body = registerBody();
  const accepted = await api(gateway, 'POST', '/v1/transfers', { token: gateway.keys.provisioning, body, headers: { 'idempotency-key': uniqueName('build-') } });
  expect(accepted.status).toBe(202);
  expect(await transferStatus(gateway, accepted.json.id, ['delivered', 'failed', 'unknown'])).toMatchObject({ status: 'delivered' });
  expect(fixture.sandbox.domains().map((domain) => domain.name)).toContain(body.data.domain);
  // No TypeScript loader on the command line: dist/ is plain JavaScript.
  expect(gateway.process.spawnargs.join(' ')).not.toContain('tsx');
  gateway.process.kill('SIGTERM');
  expect(await gateway.exited).toEqual({ code: 0, signal: null });
}, 60_000);
