import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { lockDataDir } from '../../src/store/data-dir-lock';
import { runUntilExit, spawnProcess, stackLines, startedLine, type RunningProcess } from '../support/gateway-process';
import { removeRedisKeys, testRedisUrl, uniqueName } from '../support/services';

let dir: string;
const queuePrefix = uniqueName('sgwlock');
const running = new Set<RunningProcess>();

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-lock-'));
});
afterEach(async () => {
  for (const gateway of running) {
    gateway.process.kill('SIGKILL');
    await gateway.exited;
  }
  running.clear();
  rmSync(dir, { recursive: true, force: true });
});
afterAll(() => removeRedisKeys(queuePrefix));

/** `npm start` as a new user runs it: no DATABASE_URL (embedded PGlite in SGW_DATA_DIR), no suppliers file (the sandboxes). */
const embedded = () => ({ SGW_DATA_DIR: dir, SGW_QUEUE_PREFIX: queuePrefix, REDIS_URL: testRedisUrl, PORT: '0' });
const lockFile = () => path.join(dir, 'pgdata.lock');

async function startEmbedded(): Promise<RunningProcess> {
  const gateway = spawnProcess(embedded());
  running.add(gateway);
  await gateway.logged(startedLine, 60_000);
  return gateway;
}

describe('one process owns an embedded data directory', () => {
  test('a second process on the same SGW_DATA_DIR refuses to start, naming the holder; SIGTERM stops the holder and releases it', async () => {
    const first = await startEmbedded();
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${first.process.pid}\n`);

    const second = await runUntilExit(embedded());
    expect(second.stderr).toBe(
      `supplier-gateway: SGW_DATA_DIR ${dir} is in use by process ${first.process.pid}, which runs its embedded database; stop it first, or give this process another SGW_DATA_DIR or a DATABASE_URL\n`,
    );
    expect(second.code).toBe(1);
    expect(stackLines(second.stdout + second.stderr)).toEqual([]);
    // The first runs on, still holding the directory.
    expect(first.process.exitCode).toBeNull();
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${first.process.pid}\n`);

    first.process.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile())).toBe(false);
  });

  test('the lock left by a process killed with SIGKILL is stale: the next start takes it over, and SIGINT releases it', async () => {
    const killed = await startEmbedded();
    killed.process.kill('SIGKILL');
    await killed.exited;
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${killed.process.pid}\n`);

    const next = await startEmbedded();
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${next.process.pid}\n`);
    expect(next.output()).not.toContain('in use');

    next.process.kill('SIGINT');
    expect(await next.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(lockFile())).toBe(false);
  });
});

describe('lockDataDir', () => {
  test("a lock naming this process's own pid (a container restarted as pid 1) is taken over, and released", async () => {
    writeFileSync(lockFile(), `${process.pid}\n`);
    const lock = await lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(lockFile())).toBe(false);
  });

  test('a lock held by a running process is refused; once that process is gone it is taken over', async () => {
    const holder = spawn('sleep', ['30']);
    writeFileSync(lockFile(), `${holder.pid}\n`);
    await expect(lockDataDir(dir)).rejects.toThrow(`SGW_DATA_DIR ${dir} is in use by process ${holder.pid}`);
    const ended = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await ended;
    const lock = await lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  test('a lock file without a pid (its writer died before writing) is stale', async () => {
    writeFileSync(lockFile(), '');
    const lock = await lockDataDir(dir);
    expect(readFileSync(lockFile(), 'utf8')).toBe(`${process.pid}\n`);
    lock.release();
  });

  test('release leaves a lock another process holds by then', async () => {
    const lock = await lockDataDir(dir);
    writeFileSync(lockFile(), '999999\n');
    lock.release();
    expect(readFileSync(lockFile(), 'utf8')).toBe('999999\n');
  });
});
