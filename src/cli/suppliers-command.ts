import type { Command } from 'commander';
import { GatewayClient } from './gateway-client';
import { printJson, printTable, wantsJson } from './output';

interface Supplier {
  id: string;
  connector: string;
  displayName: string;
  paused: boolean;
  breaker: 'closed' | 'open' | 'half_open';
  counts: { waiting: number; active: number; delayed: number; failed: number };
  agreement: { reference: string; validUntil: string };
}

export function addSuppliersCommands(program: Command): void {
  const suppliers = program.command('suppliers').description('suppliers: state, breaker and queue; pause and resume');

  suppliers
    .command('list', { isDefault: true })
    .description('every supplier with its state, breaker and queue counts (the default)')
    .action(async (_options: object, command: Command) => {
      const answer = await GatewayClient.fromEnv().get<{ items: Supplier[] }>('/v1/suppliers');
      if (wantsJson(command)) return printJson(answer);
      printTable(
        ['ID', 'NAME', 'STATE', 'BREAKER', 'WAITING', 'ACTIVE', 'DELAYED', 'FAILED', 'AGREEMENT', 'VALID UNTIL'],
        answer.items.map(({ id, displayName, paused, breaker, counts, agreement }) => [
          id,
          displayName,
          paused ? 'paused' : 'running',
          breaker,
          counts.waiting,
          counts.active,
          counts.delayed,
          counts.failed,
          agreement.reference,
          agreement.validUntil,
        ]),
      );
    });

  for (const [action, done] of [
    ['pause', 'paused: its deliveries wait until it is resumed'],
    ['resume', 'resumed'],
  ]) {
    suppliers
      .command(action)
      .description(`${action} a supplier's deliveries`)
      .argument('<id>', 'supplier id')
      .action(async (id: string, _options: object, command: Command) => {
        const supplier = await GatewayClient.fromEnv().post<Supplier>(`/v1/suppliers/${encodeURIComponent(id)}/${action}`);
        if (wantsJson(command)) printJson(supplier);
        else console.log(`Supplier ${supplier.id} ${done}.`);
      });
  }
}
