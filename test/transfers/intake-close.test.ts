import { registerBody } from '../support/gateway';
import { createIntakeFixture, type IntakeFixture } from '../support/intake';
import { uniqueName } from '../support/services';

// Stopping the intake (SIGTERM) must not fail the requests it already took: their callers may have hung
// up and will not retry, so each is finished, row and job, before the intake threads stop.
let fixture: IntakeFixture;
beforeAll(async () => {
  fixture = await createIntakeFixture();
});
afterAll(() => fixture.close());

test('close() finishes the requests under way, then new ones get 503', async () => {
  const intake = fixture.newIntake();
  const underway = Array.from({ length: 20 }, () => intake.accept('key-provisioning', uniqueName('idem-'), JSON.stringify(registerBody())));
  await intake.close();

  const accepted = await Promise.all(underway);
  const ids = accepted.map(({ id }) => id);
  const rows = await fixture.database.db.query<{ id: string }>('select id from transfers where id = any($1::uuid[])', [ids]);
  expect(rows).toHaveLength(ids.length);
  const jobs = await Promise.all(ids.map((id) => fixture.queues.queue('openprovider').getJob(id)));
  expect(jobs.map((job) => job?.data)).toEqual(ids.map((transferId) => ({ transferId })));

  await expect(intake.accept('key-provisioning', uniqueName('idem-'), JSON.stringify(registerBody()))).rejects.toMatchObject({ status: 503 });
}, 30_000);
