import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from './db';

export const migrationsDir = path.join(__dirname, 'migrations');

/** Applies the SQL files in migrations/ in name order, each once, under a lock so that several processes may start together. */
export async function migrate(db: Database): Promise<string[]> {
  const files = readdirSync(migrationsDir).filter((file) => file.endsWith('.sql')).sort();
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', ['sgw:migrate']);
    await tx.query('create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())');
    const applied = new Set((await tx.query<{ name: string }>('select name from schema_migrations')).map((row) => row.name));
    const pending = files.filter((file) => !applied.has(file));
    for (const file of pending) {
      await tx.exec(readFileSync(path.join(migrationsDir, file), 'utf8'));
      await tx.query('insert into schema_migrations (name) values ($1)', [file]);
    }
    return pending;
  });
}
