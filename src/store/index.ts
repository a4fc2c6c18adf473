import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { lockDataDir } from './data-dir-lock';
import type { Database } from './db';
import { migrate } from './migrate';
import { openPglite } from './pglite';
import { connectPostgres, refusalAtStart } from './postgres';

export * from './db';

/** PostgreSQL when a URL is given, else embedded PGlite in `<dataDir>/pgdata`, owned by this process alone; migrated either way. */
export async function openDatabase({ databaseUrl, dataDir, schema }: { databaseUrl?: string; dataDir: string; schema?: string }): Promise<Database> {
  if (databaseUrl) {
    const db = connectPostgres({ url: databaseUrl, schema });
    await migrateOrClose(db).catch((error: unknown) => {
      throw refusalAtStart(error, databaseUrl);
    });
    return db;
  }
  const lock = await lockDataDir(dataDir);
  try {
    const dir = path.join(dataDir, 'pgdata');
    mkdirSync(dir, { recursive: true });
    const db = await openPglite(dir);
    await migrateOrClose(db);
    return {
      ...db,
      async close() {
        await db.close();
        lock.release();
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function migrateOrClose(db: Database): Promise<void> {
  try {
    await migrate(db);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
}
