import { Pool, type PoolClient } from 'pg';
import { ConfigError } from '../config/config-error';
import { type Database, DatabaseUnavailableError, type Queryable } from './db';

/** Errors that mean "cannot reach the server", as opposed to a bad statement. */
const connectionErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EPIPE', '57P01', '57P03', '08006', '08001']);

function classify(error: unknown): never {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? '';
  if ((code && connectionErrorCodes.has(code)) || /timeout|terminated|not queryable/i.test(message)) throw new DatabaseUnavailableError(error);
  throw error;
}

export interface PostgresOptions {
  url: string;
  /** Tests give each file its own schema. */
  schema?: string;
  maxConnections?: number;
}

export function connectPostgres({ url, schema, maxConnections = 10 }: PostgresOptions): Database {
  const pool = new Pool({
    connectionString: url,
    max: maxConnections,
    connectionTimeoutMillis: 2000,
    query_timeout: 10_000,
    options: schema ? `-c search_path=${schema}` : undefined,
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  const run = (client: Pool | PoolClient): Queryable => ({
    query: async <Row>(sql: string, params?: unknown[]) => {
      try {
        return (await client.query(sql, params)).rows as Row[];
      } catch (error) {
        return classify(error);
      }
    },
    exec: async (script: string) => {
      await client.query(script).catch(classify);
    },
  });
  return {
    kind: 'postgres',
    ...run(pool),
    async transaction(work) {
      const client = await pool.connect().catch(classify);
      // The pool watches only idle clients: a checked-out one losing its server would emit an unhandled
      // 'error' and end the process. The statement under way fails by itself; the broken client is discarded.
      let lost: Error | undefined;
      const onLost = (error: Error) => (lost = error);
      client.on('error', onLost);
      try {
        await client.query('begin').catch(classify);
        const result = await work(run(client));
        await client.query('commit').catch(classify);
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        // A discarded client keeps the listener: ending a broken connection can still emit.
        if (!lost) client.off('error', onLost);
        client.release(lost);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * What PostgreSQL answers at start that only the operator can fix, as one line naming DATABASE_URL (the
 * names come from the URL, never the password); any other error is returned as it is.
 */
export function refusalAtStart(error: unknown, url: string): unknown {
  const { username, pathname } = new URL(url);
  const user = username ? `user "${decodeURIComponent(username)}"` : 'the default user';
  const database = pathname.length > 1 ? `database "${decodeURIComponent(pathname.slice(1))}"` : 'the default database';
  switch ((error as { code?: unknown }).code) {
    case '3D000':
      return new ConfigError('DATABASE_URL', `names ${database}, which does not exist on that server; create it or fix the URL`);
    case '28P01':
      return new ConfigError('DATABASE_URL', `has a password the server refuses for ${user} (28P01); fix the password or the user in the URL`);
    case '28000':
      return new ConfigError('DATABASE_URL', `names ${user}, whom the server does not let in (28000: no such role, or pg_hba.conf has no entry for it); create the role or fix the URL`);
    default:
      return error;
  }
}
