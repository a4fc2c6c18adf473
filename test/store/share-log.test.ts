import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import canonicalize from 'canonicalize';
import type { ShareEvent } from '../../src/shares/events';
import { CheckpointSigner, latestCheckpoint } from '../../src/shares/checkpoints';
import { appendShares } from '../../src/shares/share-log';
import { verifyShareLog } from '../../src/shares/verification';
import { migrate, migrationsDir } from '../../src/store/migrate';
import { connectPostgres } from '../../src/store/postgres';
import { databaseKinds, openTestDatabase, type TestDatabase } from '../support/databases';
import { createSchema, testDatabaseUrl } from '../support/services';

const migrationFiles = readdirSync(migrationsDir).filter((file) => file.endsWith('.sql')).sort();

const genesis = '0'.repeat(64);
const at = new Date('2026-03-01T12:00:00.000Z');

function attempted(n: number): ShareEvent {
  return {
    event: 'delivery.attempted',
    transferId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    supplier: 'openprovider',
    recipient: 'Openprovider B.V.',
    operation: 'domain.register',
    purpose: 'domain_registration',
    basis: { type: 'contract', reference: `order-${n}` },
    subject: 'a'.repeat(64),
    agreementReference: 'DPA-TEST',
    schemaId: 'https://schemas.supplier-gateway.local/openprovider/v1/domain.register.request.schema.json',
    fieldsShared: ['/data/domain', '/data/registrant/email'],
    fieldsWithheld: ['/data/registrant/dateOfBirth'],
    categories: ['user.contact.email', 'user.unique_id'],
    attempt: 1,
  };
}

const refused: ShareEvent = {
  event: 'transfer.refused',
  supplier: 'openprovider',
  operation: 'domain.register',
  purpose: 'marketing',
  basis: { type: 'consent', reference: null },
  subject: 'b'.repeat(64),
  reason: 'purpose-not-covered',
  apiKeyId: 'key-1',
};

interface Row {
  seq: string;
  entry: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

describe.each(databaseKinds)('the store on %s', (kind) => {
  let database: TestDatabase;
  let firstMigration: string[];
  const rows = () => database.db.query<Row>('select seq, entry, prev_hash, hash from share_log order by seq');
  const append = (events: ShareEvent[]) => database.db.transaction((tx) => appendShares(tx, events, { now: at }));
  /** Changes the log the way only someone with full rights can: with its append-only triggers switched off. */
  const tamper = (statements: string) =>
    database.asSuperuser(
      `alter table share_log disable trigger user; alter table share_log_checkpoints disable trigger user; ${statements};
       alter table share_log enable trigger user; alter table share_log_checkpoints enable trigger user;`,
    );
  const freshLog = async (entries: number) => {
    await tamper('delete from share_log; delete from share_log_checkpoints');
    await append(Array.from({ length: entries }, (_, index) => attempted(index + 1)));
  };

  beforeAll(async () => {
    database = await openTestDatabase(kind);
    firstMigration = await migrate(database.db);
  });
  afterAll(() => database.close());

  test('migrations apply once; running them again applies nothing', async () => {
    expect(firstMigration).toEqual(migrationFiles);
    expect(await migrate(database.db)).toEqual([]);
    const applied = await database.db.query<{ name: string }>('select name from schema_migrations order by name');
    expect(applied.map((row) => row.name)).toEqual(migrationFiles);
  });

  if (kind === 'postgres') {
    test('several processes starting together on an empty database apply each migration once', async () => {
      const { schema, drop } = await createSchema();
      const processes = Array.from({ length: 3 }, () => connectPostgres({ url: testDatabaseUrl, schema }));
      try {
        const applied = await Promise.all(processes.map((db) => migrate(db)));
        expect(applied.sort((a, b) => b.length - a.length)).toEqual([migrationFiles, [], []]);
      } finally {
        await Promise.all(processes.map((db) => db.close()));
        await drop();
      }
    });
  }

  test('the share_log trigger refuses UPDATE, DELETE and TRUNCATE, even for the superuser', async () => {
    await freshLog(2);
    await expect(database.db.query(`update share_log set hash = 'x' where seq = 1`)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(database.db.query('delete from share_log where seq = 2')).rejects.toThrow(/append-only: DELETE refused/);
    await expect(database.db.query('truncate share_log')).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(database.asSuperuser('delete from share_log')).rejects.toThrow(/append-only: DELETE refused/);
    expect(await rows()).toHaveLength(2);
  });

  test('appendShares chains entries: seq 1..n, each linked to the previous hash, hashed over canonical JSON', async () => {
    await tamper('delete from share_log');
    const events = [attempted(1), refused, attempted(2)];
    await append(events.slice(0, 2));
    await append(events.slice(2));
    const stored = await rows();
    expect(stored.map((row) => Number(row.seq))).toEqual([1, 2, 3]);
    let prevHash = genesis;
    stored.forEach((row, index) => {
      const entry = { v: 1, at: at.toISOString(), ...events[index] };
      expect(row.entry).toEqual(entry);
      expect(row.prev_hash).toBe(prevHash);
      const expected = createHash('sha256').update(canonicalize({ seq: index + 1, prevHash, entry })!).digest('hex');
      expect(row.hash).toBe(expected);
      prevHash = row.hash;
    });
  });

  test('concurrent writers still form one unbroken chain', async () => {
    await tamper('delete from share_log');
    await Promise.all(Array.from({ length: 8 }, (_, index) => append([attempted(index + 1), attempted(index + 101)])));
    const verification = await verifyShareLog(database.db);
    expect(verification).toMatchObject({ ok: true, entries: 16, firstBadSeq: null });
  });

  test('verifyShareLog: an intact log is ok, across pages, with its head', async () => {
    await freshLog(5);
    const last = (await rows()).at(-1)!;
    for (const pageSize of [2, 5, 1000]) {
      expect(await verifyShareLog(database.db, { pageSize })).toEqual({ ok: true, entries: 5, head: { seq: 5, hash: last.hash }, firstBadSeq: null, checkpoint: null, problem: null });
    }
  });

  test('verifying while others append never reports an intact log as broken', async () => {
    await freshLog(3);
    let appending = true;
    const appender = (async () => {
      for (let round = 0; round < 60; round++) await append([attempted(round + 10)]);
      appending = false;
    })();
    const verdicts: boolean[] = [];
    while (appending) verdicts.push((await verifyShareLog(database.db, { pageSize: 4 })).ok);
    await appender;
    expect(verdicts.filter((ok) => !ok)).toEqual([]);
    expect(verdicts.length).toBeGreaterThan(3);
  });

  describe('tampering by a superuser is found, naming the first bad entry', () => {
    test('an edited entry', async () => {
      await freshLog(5);
      await tamper(`update share_log set entry = jsonb_set(entry, '{purpose}', '"marketing"') where seq = 3`);
      expect(await verifyShareLog(database.db, { pageSize: 2 })).toMatchObject({ ok: false, firstBadSeq: 3, head: null });
    });

    test('an edited entry whose own hash is recomputed still breaks the link to the next', async () => {
      await freshLog(5);
      const [row] = await database.db.query<Row>('select entry, prev_hash from share_log where seq = 2');
      const entry = { ...row.entry, fieldsShared: ['/data/domain'] };
      const hash = createHash('sha256').update(canonicalize({ seq: 2, prevHash: row.prev_hash, entry })!).digest('hex');
      await tamper(`update share_log set entry = '${JSON.stringify(entry)}'::jsonb, hash = '${hash}' where seq = 2`);
      expect(await verifyShareLog(database.db, { pageSize: 2 })).toMatchObject({ ok: false, firstBadSeq: 3 });
    });

    test('a deleted middle row', async () => {
      await freshLog(5);
      await tamper('delete from share_log where seq = 3');
      expect(await verifyShareLog(database.db, { pageSize: 2 })).toMatchObject({ ok: false, entries: 4, firstBadSeq: 3 });
    });

    test('two rows swapped in order (their seq exchanged)', async () => {
      await freshLog(5);
      await tamper('update share_log set seq = -1 where seq = 2; update share_log set seq = 2 where seq = 3; update share_log set seq = 3 where seq = -1');
      expect(await verifyShareLog(database.db, { pageSize: 2 })).toMatchObject({ ok: false, firstBadSeq: 2 });
    });

    test('two entries swapped between their rows', async () => {
      await freshLog(5);
      await tamper(`update share_log a set entry = b.entry from share_log b where (a.seq, b.seq) in ((3, 4), (4, 3))`);
      expect(await verifyShareLog(database.db, { pageSize: 2 })).toMatchObject({ ok: false, firstBadSeq: 3 });
    });

    test('a row smuggled in below seq 1, where the walk does not look', async () => {
      await freshLog(3);
      await database.asSuperuser(`insert into share_log (seq, entry, prev_hash, hash) values (0, '{}', '${genesis}', '${genesis}')`);
      expect(await verifyShareLog(database.db, { pageSize: 2 })).toMatchObject({ ok: false, entries: 4, firstBadSeq: 1, problem: 'a row with seq 0 comes before entry 1' });
    });

    test('a deleted last row leaves a valid chain by itself: only a signed head shows the cut', async () => {
      await freshLog(5);
      const before = await verifyShareLog(database.db);
      await tamper('delete from share_log where seq = 5');
      const after = await verifyShareLog(database.db);
      // What remains is a valid chain: only a head kept outside the database tells the difference.
      expect(after).toMatchObject({ ok: true, entries: 4 });
      expect(after.head).not.toEqual(before.head);
      expect(after.head?.seq).toBe(4);
    });
  });

  describe('against a signed checkpoint', () => {
    const signer = new CheckpointSigner(Buffer.alloc(32, 1));
    const verifyAgainstLatest = async (publicKey = signer.publicKey) => {
      const checkpoint = (await latestCheckpoint(database.db))!;
      return verifyShareLog(database.db, { anchor: { checkpoint, publicKey }, pageSize: 2 });
    };

    test('an intact log names the checkpoint it was held against; entries after it are fine', async () => {
      await freshLog(4);
      const signed = (await signer.signHead(database.db))!;
      await append([attempted(5)]);
      expect(await verifyAgainstLatest()).toMatchObject({ ok: true, entries: 5, checkpoint: { seq: 4, signedAt: signed.signedAt }, problem: null });
    });

    test('a head is signed once per key: signing it again answers the same checkpoint; an empty log has none', async () => {
      await freshLog(0);
      expect(await signer.signHead(database.db)).toBeNull();
      await append([attempted(1), attempted(2)]);
      const first = await signer.signHead(database.db, new Date('2026-03-01T12:00:00.000Z'));
      expect(await signer.signHead(database.db, new Date('2026-03-01T12:05:00.000Z'))).toEqual(first);
      expect(first).toMatchObject({ seq: 2, signedAt: '2026-03-01T12:00:00.000Z', algorithm: 'Ed25519', publicKey: signer.publicKey });
    });

    test('entries cut off the end', async () => {
      await freshLog(5);
      await signer.signHead(database.db);
      await tamper('delete from share_log where seq >= 4');
      expect(await verifyAgainstLatest()).toMatchObject({ ok: false, entries: 3, firstBadSeq: 4, checkpoint: { seq: 5 }, problem: expect.stringMatching(/entries 4 to 5 were removed/) });
      await expect(signer.signHead(database.db)).rejects.toMatchObject({ status: 409, slug: 'log-altered' });
    });

    test('the whole log truncated', async () => {
      await freshLog(3);
      await signer.signHead(database.db);
      await tamper('truncate share_log');
      expect(await verifyAgainstLatest()).toMatchObject({ ok: false, entries: 0, firstBadSeq: 1 });
    });

    test('the tail rewritten with recomputed hashes, up to the signed head', async () => {
      await freshLog(3);
      await signer.signHead(database.db);
      await tamper('delete from share_log where seq = 3');
      await append([attempted(99)]);
      expect(await verifyAgainstLatest()).toMatchObject({ ok: false, firstBadSeq: 3, problem: expect.stringMatching(/entry 3 no longer has the hash/) });
    });

    test('a checkpoint signed by another key, or altered after signing, is refused', async () => {
      await freshLog(3);
      await signer.signHead(database.db);
      expect(await verifyAgainstLatest(new CheckpointSigner(Buffer.alloc(32, 2)).publicKey)).toMatchObject({ ok: false, firstBadSeq: null, problem: 'the checkpoint at entry 3 is not signed by the trusted key' });
      await tamper(`update share_log_checkpoints set signed_at = signed_at + interval '1 second'`);
      expect(await verifyAgainstLatest()).toMatchObject({ ok: false, firstBadSeq: null });
    });

    test('the checkpoint table is append-only too', async () => {
      await freshLog(1);
      await signer.signHead(database.db);
      await expect(database.db.query('delete from share_log_checkpoints')).rejects.toThrow(/share_log_checkpoints is append-only: DELETE refused/);
      await expect(database.db.query('truncate share_log_checkpoints')).rejects.toThrow(/share_log_checkpoints is append-only: TRUNCATE refused/);
    });
  });
});
