import type { Database } from '../../src/store';
import type { Intake } from '../../src/transfers/intake';
import { registerBody } from '../support/gateway';
import { createIntakeFixture, type IntakeFixture } from '../support/intake';
import { uniqueName } from '../support/services';

/**
 * A returning subject (a second domain for the same customer) is sealed once, on the intake thread, under the
 * subject's key, and commits in one statement; only a subject this process has not seen lately costs a
 * second one. The intake runs on the real PostgreSQL and Redis; the database is wrapped only to count its
 * statements.
 */
describe('intake of returning subjects', () => {
  let fixture: IntakeFixture;
  let statements = 0;
  let counted: Database;
  const newIntake = () => fixture.newIntake(counted);
  /** Accepts one transfer for `subject`; answers with the statements it took and the key its row names. */
  const accept = async (intake: Intake, subject: string) => {
    const before = statements;
    const { id } = await intake.accept('key-provisioning', uniqueName('idem-'), JSON.stringify(registerBody(subject)));
    const [row] = await fixture.database.db.query<{ subject_key_id: string }>('select subject_key_id from transfers where id = $1', [id]);
    return { statements: statements - before, keyId: row.subject_key_id };
  };

  beforeAll(async () => {
    fixture = await createIntakeFixture();
    const { db } = fixture.database;
    counted = {
      ...db,
      query: (sql, params) => {
        if (sql.includes('sgw_accept_transfers')) statements += 1;
        return db.query(sql, params);
      },
    };
  });
  afterAll(() => fixture.close());

  test('a second transfer of the same subject takes one statement and the same key', async () => {
    const intake = await newIntake();
    const subject = uniqueName('cust-');
    const first = await accept(intake, subject);
    const second = await accept(intake, subject);
    expect(first.statements).toBe(1);
    expect(second).toEqual({ statements: 1, keyId: first.keyId });
  });

  test('a subject with a key this process has not seen: one extra statement, then one each', async () => {
    const subject = uniqueName('cust-');
    const { keyId } = await accept(await newIntake(), subject);
    // Another process (a fresh cache) learns the key from the database's `rekey` answer.
    const other = await newIntake();
    expect(await accept(other, subject)).toEqual({ statements: 2, keyId });
    expect(await accept(other, subject)).toEqual({ statements: 1, keyId });
  });

  test('a destroyed key is never used again, even though it was remembered: the next transfer gets a new key', async () => {
    const intake = await newIntake();
    const subject = uniqueName('cust-');
    const { keyId: destroyed } = await accept(intake, subject);
    // As an erasure does: the wrapped key is gone, so every payload sealed under it is unreadable.
    await fixture.database.db.query('update subject_keys set destroyed_at = now(), wrapped_key = null where id = $1', [destroyed]);
    const after = await accept(intake, subject);
    expect(after.keyId).not.toBe(destroyed);
    expect(after.statements).toBe(2);
    expect(await accept(intake, subject)).toEqual({ statements: 1, keyId: after.keyId });
  });
});
