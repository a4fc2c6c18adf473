import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export const roles = ['provisioning', 'ops', 'privacy', 'admin'] as const;
export type ApiRole = (typeof roles)[number];

export interface ApiKey {
  id: string;
  name: string;
  role: ApiRole;
  /** SHA-256 of the token: the token is 32 random bytes, so a fast hash is enough and keeps auth off the hot path. */
  tokenHash: string;
  createdAt: string;
}

interface KeysFile {
  keys: ApiKey[];
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The keys in the file, oldest first; none when there is no file yet. */
export function readKeys(file: string): ApiKey[] {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as KeysFile).keys;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** Adds a key and returns its token, which exists nowhere else: the file keeps only the hash. */
export function createApiKey(file: string, name: string, role: ApiRole): { key: ApiKey; token: string } {
  const token = `sgw_${randomBytes(32).toString('base64url')}`;
  const key: ApiKey = { id: randomUUID(), name, role, tokenHash: hashToken(token), createdAt: new Date().toISOString() };
  updateKeys(file, (keys) => [...keys, key]);
  return { key, token };
}

/** Removes the key with this id, or else the one key with this name, and returns it; throws when none or several match. */
export function revokeApiKey(file: string, idOrName: string): ApiKey {
  let revoked: ApiKey | undefined;
  updateKeys(file, (keys) => {
    const byId = keys.filter((key) => key.id === idOrName);
    const matches = byId.length ? byId : keys.filter((key) => key.name === idOrName);
    if (matches.length === 0) throw new Error(`no key in ${file} has the id or name "${idOrName}"`);
    if (matches.length > 1) throw new Error(`${matches.length} keys are named "${idOrName}": revoke one by its id (sgw keys list)`);
    revoked = matches[0];
    return keys.filter((key) => key !== revoked);
  });
  return revoked!;
}

function updateKeys(file: string, change: (keys: ApiKey[]) => ApiKey[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  // Two `sgw keys` commands at once must not lose a change: read-modify-write under a lock on the file's folder entry.
  const release = lockWithRetry(file);
  try {
    const keys = change(readKeys(file));
    // Write-then-rename: a server reading the file never sees half of it.
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  } finally {
    release();
  }
}

/** proper-lockfile's sync API does not wait, so a held lock is retried for up to five seconds. */
function lockWithRetry(file: string): () => void {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return lockfile.lockSync(file, { realpath: false, stale: 10_000 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** The server's view of the keys file, re-read when it changes so new keys work without a restart. */
export class ApiKeyStore {
  private byHash = new Map<string, ApiKey>();
  private byId = new Map<string, ApiKey>();
  private version = '';
  private checkedAt = 0;

  constructor(
    private readonly file: string,
    private readonly recheckMs = 1000,
  ) {
    this.reloadIfChanged();
  }

  authenticate(token: string): ApiKey | undefined {
    const hash = hashToken(token);
    // Unknown tokens re-check sooner, so a key made a moment ago works on its first use.
    this.reloadIfOlderThan(this.byHash.has(hash) ? this.recheckMs : 50);
    return this.byHash.get(hash);
  }

  /** The key with this id while it is in the file: a dashboard session names its key, and ends when the key is revoked. */
  get(id: string): ApiKey | undefined {
    this.reloadIfOlderThan(this.recheckMs);
    return this.byId.get(id);
  }

  private reloadIfOlderThan(ms: number): void {
    if (Date.now() - this.checkedAt > ms) this.reloadIfChanged();
  }

  private reloadIfChanged(): void {
    this.checkedAt = Date.now();
    let version: string;
    try {
      const stat = statSync(this.file);
      version = `${stat.mtimeMs}:${stat.size}:${stat.ino}`;
    } catch {
      version = 'missing';
    }
    if (version === this.version) return;
    this.version = version;
    const keys = readKeys(this.file);
    this.byHash = new Map(keys.map((key) => [key.tokenHash, key]));
    this.byId = new Map(keys.map((key) => [key.id, key]));
  }
}
