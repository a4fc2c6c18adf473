import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { createApiKey } from '../src/api/api-keys';
import { byName, byPid, withCpu } from './cpu';
import { type BenchGateway, drainThroughGateway, median } from './gateway-drain';
import { benchEnvironment, firstLine, startProcess, startServer, stop } from './processes';
import { debtCollectBody } from './transfer-body';

/**
 * `npm run bench`, file-supplier row. `BENCH_FILE_TRANSFERS` (2,000) `debt.collect` transfers are queued while the
 * file supplier (pgp-sftp, its sandbox in a process of its own) is paused, then drained: each document encrypted,
 * signed and uploaded over SFTP, with the gateway's database work around it. The reference is openpgp alone
 * encrypting and signing as many of the same documents with the same concurrency (bench/raw-openpgp.ts), in the
 * same run; rounds alternate which goes first.
 */
const transfers = Number(process.env.BENCH_FILE_TRANSFERS ?? 2000);
const rounds = Number(process.env.BENCH_FILE_ROUNDS ?? 2);
const concurrency = Number(process.env.BENCH_FILE_CONCURRENCY ?? 8);

async function main(): Promise<void> {
  const environment = await benchEnvironment('files');
  const db = new Client({ connectionString: environment.databaseUrl });
  try {
    const sandboxProcess = startProcess('bench/sandbox-server.ts', { BENCH_SANDBOX: 'debt-collector' }, 'pipe');
    const { id, connector, config } = JSON.parse(await firstLine(sandboxProcess)) as { id: string; connector: string; config: Record<string, string> };
    const suppliersFile = path.join(environment.dataDir, 'suppliers.json');
    writeFileSync(suppliersFile, JSON.stringify({ suppliers: { [id]: { connector, config, queue: { concurrency } } } }));
    const provisioning = createApiKey(environment.keysFile, 'bench-provisioning', 'provisioning').token;
    const ops = createApiKey(environment.keysFile, 'bench-ops', 'ops').token;
    const gateway = await startServer('src/start.ts', { ...environment.gatewayEnv, SGW_SUPPLIERS_FILE: suppliersFile });
    await db.connect();
    const bench: BenchGateway = { url: gateway.url, db, provisioning, ops };

    const sharedParts = { sandbox: byPid(sandboxProcess.pid), PostgreSQL: byName('postgres'), Redis: byName('redis-server') };
    const measureGateway = () => withCpu(() => drainThroughGateway(bench, id, transfers, () => debtCollectBody(`file-customer-${randomUUID()}`)), transfers, { gateway: byPid(gateway.child.pid), ...sharedParts });
    const measureRaw = async () => {
      const raw = startProcess(
        'bench/raw-openpgp.ts',
        { RECIPIENT_KEY_FILE: config.recipientKeyFile, SIGNING_KEY_FILE: config.signingKeyFile, SIGNING_KEY_PASSPHRASE: config.signingKeyPassphrase ?? '', CONCURRENCY: String(concurrency), DOCUMENTS: String(transfers) },
        'pipe',
      );
      const { perSecond } = JSON.parse(await firstLine(raw)) as { perSecond: number };
      await stop(raw);
      return { result: perSecond };
    };

    console.log(`file-supplier benchmark: ${transfers} debt.collect transfers queued while paused, then drained (encrypt + sign + SFTP upload); concurrency ${concurrency}; ${rounds} rounds`);
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const [ofGateway, ofRaw] = round % 2 ? await measureRaw().then(async (raw) => [await measureGateway(), raw] as const) : [await measureGateway(), await measureRaw()];
      ratios.push(ofGateway.result / ofRaw.result);
      console.log(`round ${round + 1}: gateway ${ofGateway.result.toFixed(0)} files/s, raw openpgp encrypt + sign ${ofRaw.result.toFixed(0)} documents/s: ${(ofGateway.result / ofRaw.result).toFixed(2)}x`);
      console.log(`  gateway ${ofGateway.cpu}`);
    }
    const ratio = median(ratios);
    console.log(`file supplier (median of ${rounds} rounds): ${ratio.toFixed(2)}x raw openpgp encrypt + sign (target >= 0.70): ${ratio >= 0.7 ? 'MET' : 'NOT MET'}`);
  } finally {
    await db.end().catch(() => undefined);
    await environment.dispose();
  }
}

void main();
