import { Command, InvalidArgumentError, Option } from 'commander';
import { bulkRetry, type RetryFilter } from './bulk-retry';
import { exitCodes, GatewayClient } from './gateway-client';
import { printFields, printJson, printTable, shortTime, wantsJson } from './output';
import { parseTimeBound } from './time-bound';

const statuses = ['queued', 'delivering', 'delivered', 'failed', 'cancelled', 'unknown'];
/** Only these can be tried again; a bulk retry without --status takes both. */
const retryableStatuses = ['failed', 'unknown'];

interface Transfer {
  id: string;
  status: string;
  supplier: string;
  operation: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: { code: string; detail: string; at: string } | null;
  supplierReference: string | null;
  fieldsShared: string[];
  fieldsWithheld: string[];
  createdAt: string;
  updatedAt: string;
}

interface TransferPage {
  items: Transfer[];
  nextCursor: string | null;
  counts: Record<string, number>;
}

interface FilterOptions {
  status?: string;
  supplier?: string;
  operation?: string;
  error?: string;
  since?: string;
  until?: string;
}

/** The filters `transfers list` and a bulk `transfers retry` share, with the statuses each takes. */
function withFilters(command: Command, statusChoices: string[]): Command {
  return command
    .addOption(new Option('--status <status>', 'only transfers in this status').choices(statusChoices))
    .option('--supplier <id>', 'only transfers to this supplier')
    .option('--operation <operation>', 'only this operation, e.g. domain.register')
    .option('--error <code-prefix>', 'only transfers whose last error code starts with these segments, e.g. supplier.rejected')
    .option('--since <when>', 'created at or after: a duration back from now (30m, 2h, 7d) or an ISO date or date-time', parseTimeBound)
    .option('--until <when>', 'created before: as --since', parseTimeBound);
}

/** The filter as the API names it. */
function apiFilter({ status, supplier, operation, error, since, until }: FilterOptions): RetryFilter {
  return { status, supplier, operation, errorCode: error, since, until };
}

function pageSize(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 1000) throw new InvalidArgumentError('Give a whole number from 1 to 1000.');
  return Number(value);
}

export function addTransfersCommands(program: Command): void {
  const transfers = program.command('transfers').description('transfers: list, show, retry, cancel');

  withFilters(transfers.command('list').description('list transfers, newest first'), statuses)
    .option('--limit <n>', 'at most this many a page (1 to 1000; the gateway gives 100 by default)', pageSize)
    .option('--all', 'follow the pages to the last one')
    .action(async (options: FilterOptions & { limit?: number; all?: boolean }, command: Command) => {
      const client = GatewayClient.fromEnv();
      const query = { ...apiFilter(options), limit: options.limit };
      let page = await client.get<TransferPage>('/v1/transfers', query);
      const items = [...page.items];
      while (options.all && page.nextCursor) {
        page = await client.get<TransferPage>('/v1/transfers', { ...query, cursor: page.nextCursor });
        items.push(...page.items);
      }
      if (wantsJson(command)) printJson({ ...page, items });
      else if (items.length === 0) console.error('No transfers match.');
      else {
        printTable(
          ['ID', 'STATUS', 'SUPPLIER', 'OPERATION', 'ATTEMPTS', 'LAST ERROR', 'CREATED'],
          items.map((transfer) => [transfer.id, transfer.status, transfer.supplier, transfer.operation, transfer.attempts, transfer.lastError?.code, shortTime(transfer.createdAt)]),
        );
        const counts = Object.entries(page.counts).map(([status, count]) => `${status} ${count}`);
        if (counts.length) console.log(`\nBy status, over the other filters: ${counts.join(', ')}`);
      }
      if (page.nextCursor) console.error(`There are more: these are the first ${items.length}; --all lists every one.`);
    });

  transfers
    .command('show')
    .description('one transfer in full')
    .argument('<id>', 'transfer id')
    .action(async (id: string, _options: object, command: Command) => {
      const transfer = await GatewayClient.fromEnv().get<Transfer>(`/v1/transfers/${encodeURIComponent(id)}`);
      if (wantsJson(command)) printJson(transfer);
      else printTransfer(transfer);
    });

  withFilters(
    transfers
      .command('retry')
      .description('try a failed or unknown transfer again; without an id, every one the filters match (at least one filter)')
      .argument('[id]', 'transfer id'),
    retryableStatuses,
  )
    .option('--dry-run', 'only count what a bulk retry would take')
    .action(async (id: string | undefined, options: FilterOptions & { dryRun?: boolean }, command: Command) => {
      const filtered = Object.values(apiFilter(options)).some((value) => value !== undefined);
      if (id && (filtered || options.dryRun)) command.error('error: give a transfer id or filters, not both', { exitCode: exitCodes.usage });
      if (!id && !filtered) command.error('error: give a transfer id, or filters for a bulk retry (--status, --supplier, --operation, --error, --since, --until)', { exitCode: exitCodes.usage });
      const client = GatewayClient.fromEnv();
      if (!id) return bulkRetry(client, apiFilter(options), { dryRun: Boolean(options.dryRun), json: wantsJson(command) });
      const transfer = await client.post<Transfer>(`/v1/transfers/${encodeURIComponent(id)}/retry`);
      if (wantsJson(command)) printJson(transfer);
      else console.log(`Transfer ${transfer.id} is ${transfer.status} for another attempt.`);
    });

  transfers
    .command('cancel')
    .description('cancel a queued or failed transfer')
    .argument('<id>', 'transfer id')
    .action(async (id: string, _options: object, command: Command) => {
      const transfer = await GatewayClient.fromEnv().post<Transfer>(`/v1/transfers/${encodeURIComponent(id)}/cancel`);
      if (wantsJson(command)) printJson(transfer);
      else console.log(`Transfer ${transfer.id} is ${transfer.status}.`);
    });
}

function printTransfer(transfer: Transfer): void {
  const { lastError } = transfer;
  printFields([
    ['id', transfer.id],
    ['status', transfer.status],
    ['supplier', transfer.supplier],
    ['operation', transfer.operation],
    ['attempts', transfer.attempts],
    ['next attempt', shortTime(transfer.nextAttemptAt)],
    ['last error', lastError && `${lastError.code} at ${shortTime(lastError.at)}: ${lastError.detail}`],
    ['supplier reference', transfer.supplierReference],
    ['fields shared', transfer.fieldsShared.join(', ')],
    ['fields withheld', transfer.fieldsWithheld.join(', ')],
    ['created', shortTime(transfer.createdAt)],
    ['updated', shortTime(transfer.updatedAt)],
  ]);
}
