import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './db';
import { migrate } from './migrate';
import { openPglite } from './pglite';
import { connectPostgres } from './postgres';

export * from './db';

/** PostgreSQL when a URL is given, else embedded PGlite in `<dataDir>/pgdata`; migrated either way. */
export async function openDatabase(options: { databaseUrl?: string; dataDir: string; schema?: string }): Promise<Database> {
  let db: Database;
  if (options.databaseUrl) db = connectPostgres({ url: options.databaseUrl, schema: options.schema });
  else {
    const dir = path.join(options.dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    db = await openPglite(dir);
  }
  await migrate(db);
  return db;
}
