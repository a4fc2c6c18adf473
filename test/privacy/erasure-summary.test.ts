import type { RecordErasure } from '../../src/connector-kit';
import { summarise } from '../../src/subjects/erasure-recipients';

const answer = (status: RecordErasure['status'], reason = `${status} reason`): RecordErasure => ({ transferId: `t-${status}`, status, reason });

describe("one recipient status from the supplier's answers per record", () => {
  it.each([
    [['completed', 'retained', 'sent', 'not_found'], 'retained'],
    [['completed', 'sent', 'not_found'], 'sent'],
    [['not_found', 'completed'], 'completed'],
    [['not_found'], 'not_found'],
  ] as const)('%j → %s, with the reasons of that status', (statuses, expected) => {
    const outcome = summarise(statuses.map((status) => answer(status)));
    expect(outcome.status).toBe(expected);
    expect(outcome.reason).toBe(`${expected} reason`);
    expect(outcome.records).toHaveLength(statuses.length);
  });

  it('no record at all is not_found, saying that nothing reached the supplier', () => {
    expect(summarise([])).toMatchObject({ status: 'not_found', reason: expect.stringContaining('Nothing of the subject reached the supplier') });
  });
});
