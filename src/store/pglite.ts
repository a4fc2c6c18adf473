import { PGlite } from '@electric-sql/pglite';
import type { Database, Queryable } from './db';

/** Embedded PostgreSQL for `npm start` without DATABASE_URL: same SQL, one process, data in `dataDir`. */
export async function openPglite(dataDir?: string): Promise<Database> {
  const db = await PGlite.create(dataDir);
  const run = (client: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    query: async <Row>(sql: string, params?: unknown[]) => (await client.query<Row>(sql, params)).rows,
    exec: async (script: string) => {
      await client.exec(script);
    },
  });
  return {
    kind: 'pglite',
    ...run(db),
    transaction: (work) => db.transaction((tx) => work(run(tx))),
    close: () => db.close(),
  };
}
