import { writeFileSync } from 'node:fs';
import { startSandboxes } from '../../connectors/sandboxes';

/**
 * A suppliers file with an entry for every bundled supplier (so a start finds every agreement configured),
 * each pointing at its sandbox, as `npm start` without a suppliers file sets them up. `close` stops the sandboxes.
 */
export async function writeBundledSuppliersFile(file: string): Promise<{ close(): Promise<void> }> {
  const sandboxes = await startSandboxes();
  writeFileSync(file, JSON.stringify({ suppliers: Object.fromEntries(sandboxes.map(({ supplier: { id, ...entry } }) => [id, entry])) }));
  return { close: async () => void (await Promise.all(sandboxes.map((sandbox) => sandbox.close()))) };
}
