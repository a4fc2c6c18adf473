import type { Problem } from '../../src/problem';
import { DeliveryQueues, producerConnection } from '../../src/queue/queues';
import { defaultQueuePolicy } from '../../src/config/suppliers';
import { registerBody } from '../support/gateway';
import { createIntakeFixture, type IntakeFixture } from '../support/intake';
import { uniqueName } from '../support/services';

/**
 * One request, one fate: requests written in one batch share a statement and a commit, never a failure.
 * The database is made to refuse single rows, as a constraint or a faulty trigger would; the intake runs
 * on the real PostgreSQL and Redis.
 */
let fixture: IntakeFixture;
beforeAll(async () => {
  fixture = await createIntakeFixture();
  // A row whose order reference starts with "refuse-" is refused with the SQLSTATE the reference names.
  await fixture.database.asSuperuser(`
    create function refuse_marked() returns trigger language plpgsql as $$
    begin
      if new.basis_reference like 'refuse-%' then
        raise exception 'refused by the test' using errcode = split_part(new.basis_reference, '-', 2);
      end if;
      return new;
    end $$;
    create trigger refuse_marked before insert on transfers for each row execute function refuse_marked();`);
});
afterAll(() => fixture.close());

const bodyWithReference = (reference?: string) => {
  const body = registerBody();
  if (reference) body.basis.reference = reference;
  return JSON.stringify(body);
};

/** Accepts all at once, so that they share batches; answers each with its status. */
async function acceptTogether(bodies: string[]): Promise<number[]> {
  const intake = fixture.newIntake();
  const settled = await Promise.allSettled(bodies.map((body) => intake.accept('key-provisioning', uniqueName('idem-'), body)));
  return settled.map((result) => (result.status === 'fulfilled' ? 202 : (result.reason as Problem).status));
}

test('a row the database refuses (a data exception) fails only its own request, with 422; the rest of its batch is written', async () => {
  const bodies = Array.from({ length: 30 }, (_, index) => bodyWithReference(index === 7 ? 'refuse-22023' : undefined));
  expect(await acceptTogether(bodies)).toEqual(bodies.map((_, index) => (index === 7 ? 422 : 202)));
  const [{ count }] = await fixture.database.db.query<{ count: string }>('select count(*) from transfers');
  expect(Number(count)).toBe(29);
});

test('a row refused for a passing reason (a serialization failure) gets 503 alone, so its caller retries', async () => {
  const bodies = Array.from({ length: 12 }, (_, index) => bodyWithReference(index % 4 === 1 ? 'refuse-40001' : undefined));
  expect(await acceptTogether(bodies)).toEqual(bodies.map((_, index) => (index % 4 === 1 ? 503 : 202)));
});

test('when Redis refuses the jobs, the committed rows are still answered as accepted (the workers queue them later)', async () => {
  // A Redis that is not there: the enqueue fails at once, after the commit.
  const unreachable = producerConnection('redis://127.0.0.1:1');
  unreachable.on('error', () => undefined);
  const queues = new DeliveryQueues(unreachable, uniqueName('sgwtest-'), new Map([['openprovider', defaultQueuePolicy]]));
  const intake = fixture.newIntake(fixture.database.db, queues);
  try {
    const accepted = await Promise.all(Array.from({ length: 5 }, () => intake.accept('key-provisioning', uniqueName('idem-'), bodyWithReference())));
    const rows = await fixture.database.db.query<{ status: string }>('select status from transfers where id = any($1::uuid[])', [accepted.map(({ id }) => id)]);
    expect(rows.map((row) => row.status)).toEqual(['queued', 'queued', 'queued', 'queued', 'queued']);
  } finally {
    await queues.close();
    unreachable.disconnect();
  }
});
