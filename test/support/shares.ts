import { api, type TestGateway } from './gateway';

export interface LoggedEntry {
  seq: number;
  event: string;
  at: string;
  transferId: string;
  attempt: number;
  [field: string]: unknown;
}

/** One transfer's shares-log entries, oldest first, as the privacy API lists them. */
export async function sharesOfTransfer(gateway: Pick<TestGateway, 'url' | 'keys'>, subjectId: string, transferId: string): Promise<LoggedEntry[]> {
  const answer = await api(gateway, 'GET', `/v1/shares?subject=${encodeURIComponent(subjectId)}`, { token: gateway.keys.privacy });
  if (answer.status !== 200) throw new Error(`GET /v1/shares answered ${answer.status}`);
  return (answer.json.items as LoggedEntry[]).filter((entry) => entry.transferId === transferId);
}

/** Milliseconds from one entry's `at` to another's. */
export const millisBetween = (earlier: LoggedEntry, later: LoggedEntry) => Date.parse(later.at) - Date.parse(earlier.at);
