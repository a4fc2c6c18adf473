import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

const repoRoot = path.join(__dirname, '..', '..');

export interface SgwRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `bin/sgw.js <args>` in a child process with only the given environment (and PATH, HOME), as a script runs it. */
export function sgw(args: string[], env: Record<string, string>): Promise<SgwRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(repoRoot, 'bin', 'sgw.js'), ...args], { cwd: repoRoot, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A loopback port nothing listens on: taken from the system, then let go. */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
