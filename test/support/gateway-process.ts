import { execFile, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

const repoRoot = path.join(__dirname, '..', '..');
/** `npm start`'s command: the sources through tsx. */
export const startCommand = ['--import', 'tsx', 'src/start.ts'];

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `npm start`'s command with only the given environment (plus PATH) until it ends by itself. */
export function runUntilExit(env: Record<string, string>, timeoutMs = 20_000): Promise<Finished> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(process.execPath, startCommand, { cwd: repoRoot, env: { PATH: process.env.PATH, ...env }, timeout: timeoutMs }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr, ms: Date.now() - started }),
    );
  });
}

export interface RunningProcess {
  process: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Its JSON log lines so far. */
  logLines(): Record<string, unknown>[];
  /** Resolves with the first log line `match` accepts; rejects when the process ends first or after `timeoutMs`. */
  logged(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `npm start`'s command (or `command`) with only the given environment (plus PATH) and leaves it running. */
export function spawnProcess(env: Record<string, string | undefined>, command = startCommand): RunningProcess {
  const child = spawn(process.execPath, command, { cwd: repoRoot, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logLines = () =>
    output.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return []; // a line still being written
      }
    });
  let ended = false;
  void exited.then(() => (ended = true));
  return {
    process: child,
    output: () => output,
    logLines,
    exited,
    async logged(match, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logLines().find(match);
        if (line) return line;
        if (ended || Date.now() > deadline) throw new Error(`no such log line (${ended ? 'the process ended' : 'timed out'}):\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}

export const startedLine = (line: Record<string, unknown>) => line.message === 'supplier-gateway started';

/** A TCP port nothing listens on at the moment. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Lines of a stack trace. */
export const stackLines = (text: string) => text.split('\n').filter((line) => /^\s+at /.test(line));
