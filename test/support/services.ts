import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { Client } from 'pg';

/** The machine's PostgreSQL and Redis (README, "Tests"); each test file gets its own schema and queue prefix. */
export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const testRedisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const uniqueName = (stem: string) => `${stem}${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export async function createSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = uniqueName('t_');
  await sql(`create schema ${schema}`);
  return {
    schema,
    drop: async () => {
      await sql(`drop schema ${schema} cascade`);
    },
  };
}

/** Runs statements as the database superuser, as an operator (or an attacker) with full rights could. */
export async function sql(statement: string, params: unknown[] = [], schema?: string): Promise<Record<string, unknown>[]> {
  const client = new Client({ connectionString: testDatabaseUrl, options: schema ? `-c search_path=${schema}` : undefined });
  await client.connect();
  try {
    return (await client.query(statement, params)).rows;
  } finally {
    await client.end();
  }
}

/** Every key and value under a queue prefix, as one string (for leak checks). */
export async function redisDump(prefix: string): Promise<string> {
  const redis = new IORedis(testRedisUrl);
  let out = '';
  try {
    for (const key of await redis.keys(`*${prefix}*`)) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? JSON.stringify(await redis.hgetall(key))
        : type === 'list' ? JSON.stringify(await redis.lrange(key, 0, -1))
        : type === 'set' ? JSON.stringify(await redis.smembers(key))
        : type === 'zset' ? JSON.stringify(await redis.zrange(key, 0, -1))
        : type === 'stream' ? JSON.stringify(await redis.xrange(key, '-', '+'))
        : '';
      out += `\n${key} ${value}`;
    }
  } finally {
    redis.disconnect();
  }
  return out;
}

export async function removeRedisKeys(prefix: string): Promise<void> {
  const redis = new IORedis(testRedisUrl);
  try {
    const keys = await redis.keys(`*${prefix}*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

export async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 20_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
