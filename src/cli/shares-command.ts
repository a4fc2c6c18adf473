import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { bodyAjv } from '../api/validators';
import { checkpointSchema, latestCheckpoint, type Checkpoint } from '../shares/checkpoints';
import { verifyShareLog, type Anchor, type Verification } from '../shares/verification';
import { DatabaseUnavailableError } from '../store';
import { connectPostgres } from '../store/postgres';
import { CliError, exitCodes } from './gateway-client';
import { printFields, printJson, wantsJson } from './output';

const validCheckpoint = bodyAjv.compile<Checkpoint>(checkpointSchema);

interface VerifyOptions {
  databaseUrl: string;
  schema?: string;
  checkpoint?: string;
}

export function addSharesCommands(program: Command): void {
  const shares = program.command('shares').description('the shares log');

  shares
    .command('verify')
    .description('verify the shares log straight from PostgreSQL, without the gateway: every hash recomputed here, then the signed checkpoint')
    .requiredOption('--database-url <url>', 'the PostgreSQL URL (postgres://user:password@host/database); read-only access is enough')
    .option('--schema <name>', 'the schema that holds share_log, when it is not on the search path (public)')
    .option('--checkpoint <file>', 'a checkpoint kept elsewhere (the JSON of GET /v1/shares/checkpoint), trusted with its public key; else the newest in the database')
    .action(async (options: VerifyOptions, command: Command) => {
      const kept = options.checkpoint === undefined ? undefined : readCheckpoint(options.checkpoint);
      const verification = await verifyDatabase(options, kept);
      if (wantsJson(command)) printJson(verification);
      else printVerification(verification);
      if (!verification.ok) process.exitCode = exitCodes.refused;
    });
}

/** A checkpoint file, checked against the schema the API answers with; a file that is not one is a usage error. */
function readCheckpoint(file: string): Checkpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(exitCodes.usage, `--checkpoint ${file}: not a readable JSON file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!validCheckpoint(parsed)) throw new CliError(exitCodes.usage, `--checkpoint ${file}: not a checkpoint as GET /v1/shares/checkpoint answers it (${bodyAjv.errorsText(validCheckpoint.errors)})`);
  return parsed;
}

/**
 * The kept checkpoint is trusted with its own key. Without one, the newest in the table is held to the key
 * stored beside it: that proves the table consistent, not who signed it, so the key's fingerprint is shown.
 */
async function verifyDatabase({ databaseUrl, schema }: VerifyOptions, kept: Checkpoint | undefined): Promise<Verification & { publicKeySha256: string | null }> {
  if (!/^postgres(ql)?:\/\//.test(databaseUrl)) throw new CliError(exitCodes.usage, '--database-url must be a postgres:// or postgresql:// URL');
  const db = connectPostgres({ url: databaseUrl, schema, maxConnections: 2 });
  try {
    const checkpoint = kept ?? (await latestCheckpoint(db));
    const anchor: Anchor | undefined = checkpoint ? { checkpoint, publicKey: checkpoint.publicKey } : undefined;
    const verification = await verifyShareLog(db, { anchor });
    return { ...verification, publicKeySha256: anchor ? createHash('sha256').update(anchor.publicKey).digest('hex') : null };
  } catch (error) {
    throw unreachable(error, databaseUrl);
  } finally {
    await db.close();
  }
}

/** Exit 3 for a database that cannot be reached or refuses the login, 2 for a place without a shares log. */
function unreachable(error: unknown, databaseUrl: string): unknown {
  const { host } = new URL(databaseUrl);
  const code = (error as { code?: string }).code;
  if (error instanceof DatabaseUnavailableError || ['28P01', '28000', '3D000'].includes(code ?? '')) {
    const cause = error instanceof DatabaseUnavailableError ? (error.cause as Error) : (error as Error);
    return new CliError(exitCodes.unreachable, `cannot reach the database at ${host}: ${(cause as { code?: string }).code ?? cause.message}`);
  }
  if (code === '42P01') return new CliError(exitCodes.usage, `no shares log at ${host}: share_log does not exist there (--schema names its schema)`);
  return error;
}

function printVerification(verification: Verification & { publicKeySha256: string | null }): void {
  const { checkpoint } = verification;
  printFields([
    ['verdict', verification.ok ? 'intact' : 'TAMPERED'],
    ['entries', verification.entries],
    ['head', verification.head && `${verification.head.seq} ${verification.head.hash}`],
    ['checkpoint', checkpoint ? `${checkpoint.seq}, signed at ${checkpoint.signedAt}` : 'none: a cut-off tail cannot be seen'],
    ['key (SHA-256 of PEM)', verification.publicKeySha256],
    ['first bad seq', verification.firstBadSeq],
    ['problem', verification.problem],
  ]);
}
