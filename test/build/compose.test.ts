import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * docker-compose.yml runs the gateway in production mode with config/suppliers.example.json copied to
 * config/suppliers.json (README, "Deploying"): every secret that file references, and every setting production
 * requires, must reach both containers, and the files it names must be mounted.
 */
const repoRoot = path.join(__dirname, '..', '..');
const compose = readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8');
const example = JSON.parse(readFileSync(path.join(repoRoot, 'config', 'suppliers.example.json'), 'utf8')) as unknown;

/** The `{"env": NAME}` references in a suppliers file, and the values of its `…File` settings. */
function walk(value: unknown, found: { env: string[]; files: string[] }, key = ''): typeof found {
  if (typeof value === 'string' && key.endsWith('File')) found.files.push(value);
  if (typeof value !== 'object' || value === null) return found;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'env') found.env.push(entries[0][1] as string);
  else for (const [childKey, child] of entries) walk(child, found, childKey);
  return found;
}
const referenced = walk(example, { env: [], files: [] });

test('the example suppliers file references secrets and files', () => {
  expect(referenced.env.length).toBeGreaterThan(0);
  expect(referenced.files.length).toBeGreaterThan(0);
});

test.each(referenced.env)('the secret %s reaches the containers', (name) => {
  expect(compose).toMatch(new RegExp(`^\\s+${name}: \\$\\{${name}[:?-]`, 'm'));
});

test.each(['DATABASE_URL', 'SGW_SUPPLIERS_FILE', 'SGW_MASTER_KEY', 'SGW_SUBJECT_HASH_KEY', 'SGW_LOG_SIGNING_KEY'])('%s, required in production, is set', (name) => {
  expect(compose).toMatch(new RegExp(`^\\s+${name}: \\S`, 'm'));
});

test('the files the suppliers file names are in a mounted directory', () => {
  const mounts = [...compose.matchAll(/^\s+- \.\/[^:\s]+:(\/[^:\s]+)(?::ro)?$/gm)].map((match) => match[1]);
  for (const file of referenced.files) expect(mounts.some((mount) => file.startsWith(`${mount}/`))).toBe(true);
});
