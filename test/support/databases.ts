import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Database } from '../../src/store';
import { openPglite } from '../../src/store/pglite';
import { connectPostgres } from '../../src/store/postgres';
import { createSchema, testDatabaseUrl } from './services';

export type DatabaseKind = Database['kind'];
export const databaseKinds: DatabaseKind[] = ['postgres', 'pglite'];

export interface TestDatabase {
  /** Not yet migrated: the test decides when. */
  db: Database;
  /** Runs a script of statements in one session as the superuser, as an operator (or an attacker) with full rights could. */
  asSuperuser(script: string): Promise<void>;
  /** For PostgreSQL: the schema, so a second connection can join the same tables. */
  schema?: string;
  close(): Promise<void>;
}

/** A fresh, empty database of either kind: a new schema on the real PostgreSQL, or embedded PGlite in a temp dir. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'postgres') {
    const { schema, drop } = await createSchema();
    const db = connectPostgres({ url: testDatabaseUrl, schema });
    return {
      db,
      schema,
      asSuperuser: async (script) => {
        const client = await connectTo(schema);
        try {
          await client.query(script);
        } finally {
          await client.end();
        }
      },
      async close() {
        await db.close();
        await drop();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sgw-pglite-'));
  const db = await openPglite(dir);
  return {
    db,
    // PGlite runs everything as the superuser `postgres`, over its one connection.
    asSuperuser: (script) => db.exec(script),
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A separate session on the test PostgreSQL, inside `schema`. */
export async function connectTo(schema: string): Promise<Client> {
  const client = new Client({ connectionString: testDatabaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}
