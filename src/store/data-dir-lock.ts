import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../config/config-error';

export interface DataDirLock {
  release(): void;
}

/** Long enough for a holder that has just created the lock file to have written its pid into it. */
const pidWriteGraceMs = 100;

/**
 * Makes this process the one owner of an embedded database's data directory. PGlite takes no lock of its
 * own: two processes on one directory each keep their own copy and silently lose each other's writes.
 * The lock file holds the owner's pid. It is created exclusively (O_EXCL) and removed on release and on
 * exit; one whose process is gone, or whose pid is this process's own (a container restarted as pid 1),
 * is stale and taken over.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'pgdata.lock');
  // Each try after the first follows a stale lock's removal; one that is stale again and again is given up on.
  for (let attempt = 1; !create(file); attempt += 1) {
    const holder = await readHolder(file);
    if (holder !== undefined && holder !== process.pid && isRunning(holder)) throw inUse(dataDir, holder);
    if (attempt === 3) throw inUse(dataDir, holder);
    removeIfHeldBy(file, holder);
  }
  const release = () => {
    process.off('exit', release);
    removeIfHeldBy(file, process.pid);
  };
  process.on('exit', release);
  return { release };
}

function create(file: string): boolean {
  try {
    writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The holder's pid; undefined when the file is gone or holds no pid even after its writer had time to write one. */
async function readHolder(file: string): Promise<number | undefined> {
  const pid = readPid(file);
  if (pid !== undefined || !existsSync(file)) return pid;
  await sleep(pidWriteGraceMs);
  return readPid(file);
}

function readPid(file: string): number | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    return /^\d+\n$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Removes the lock only while it still names `holder`, so a lock another process took meanwhile stays. */
function removeIfHeldBy(file: string, holder: number | undefined): void {
  if (readPid(file) !== holder) return;
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Signal 0 checks without signalling; EPERM means the process exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function inUse(dataDir: string, holder: number | undefined): ConfigError {
  const who = holder === undefined ? 'another process' : `process ${holder}`;
  return new ConfigError('SGW_DATA_DIR', `${dataDir} is in use by ${who}, which runs its embedded database; stop it first, or give this process another SGW_DATA_DIR or a DATABASE_URL`);
}
