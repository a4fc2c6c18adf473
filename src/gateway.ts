import type { Server } from 'node:http';
import type winston from 'winston';
import { loadAgreements, schemasDir } from './agreements/agreements';
import { ApiKeyStore } from './api/api-keys';
import { createApp } from './api/app';
import { pageSessionKey } from './api/page-login';
import { createMonitoringApp } from './api/monitoring';
import { Readiness } from './api/readiness';
import type { EnvConfig } from './config/env';
import { portRefusal } from './config/port-refusal';
import { configuredAgreements } from './config/supplier-agreements';
import { checkKeys } from './crypto/key-check';
import type { SupplierConfig } from './config/suppliers';
import type { Connector, ConnectorDefinition } from './connector-kit';
import { GatewayMetrics } from './metrics';
import { ErasureQueues } from './queue/erasure-queues';
import { connected, DeliveryQueues, producerConnection } from './queue/queues';
import { watchRedis } from './queue/redis-watch';
import { CheckpointSigner, startCheckpointWriter } from './shares/checkpoints';
import { openDatabase, type Database } from './store';
import { Intake } from './transfers/intake';
import { DeliveryWorkers } from '../workers/delivery-worker';
import { ErasureWorkers } from '../workers/erasure-worker';

export interface GatewayOptions {
  env: EnvConfig;
  suppliers: SupplierConfig[];
  connectorDefinition: (id: string) => ConnectorDefinition<unknown> | undefined;
  log: winston.Logger;
  /** Tests give each file its own PostgreSQL schema. */
  databaseSchema?: string;
  /** Tests sign the head of the shares log more often than every minute. */
  checkpointIntervalMs?: number;
}

export interface Gateway {
  /** Where this process listens: the API, or for a worker-only process its /healthz, /readyz and /metrics. */
  url: string;
  db: Database;
  close(): Promise<void>;
}

/** Wires the services for SGW_ROLE: the API, the delivery workers, or both. */
export async function startGateway({ env, suppliers, connectorDefinition, log, databaseSchema, checkpointIntervalMs }: GatewayOptions): Promise<Gateway> {
  const { agreements, unconfigured } = configuredAgreements(suppliers, loadAgreements(schemasDir), connectorDefinition);
  for (const supplier of unconfigured) log.warn('supplier has an agreement but no entry in the suppliers file: its transfers are refused with 404', { supplier });
  const db = await openDatabase({ databaseUrl: env.databaseUrl, dataDir: env.dataDir, schema: databaseSchema });
  await checkKeys(db, env.masterKey, env.subjectHashKey).catch(async (error: unknown) => {
    await db.close();
    throw error;
  });
  const redis = producerConnection(env.redisUrl);
  watchRedis(redis, log, 'producer');
  await connected(redis);
  const policies = new Map(suppliers.map((supplier) => [supplier.id, supplier.queue]));
  const queues = new DeliveryQueues(redis, env.queuePrefix, policies);
  const erasureQueues = new ErasureQueues(redis, env.queuePrefix, policies);
  const metrics = new GatewayMetrics({ queues, redis, queuePrefix: env.queuePrefix, suppliers: suppliers.map((supplier) => supplier.id) });
  const closers: (() => Promise<void>)[] = [];
  // Workers take jobs only once the whole start has succeeded: a process that fails to start sends nothing.
  let startWorkers = () => {};

  if (env.role !== 'api') {
    const connectors = new Map<string, Connector>(suppliers.map((supplier) => [supplier.id, connectorDefinition(supplier.connector)!.create(supplier.config)]));
    const workers = new DeliveryWorkers({ db, redisUrl: env.redisUrl, queuePrefix: env.queuePrefix, suppliers, connectors, agreements, masterKey: env.masterKey, queues, metrics, log, recoveryMs: env.recoveryMs });
    const erasureWorkers = new ErasureWorkers({ db, redisUrl: env.redisUrl, queuePrefix: env.queuePrefix, suppliers, connectors, erasureQueues, metrics, log, recoveryMs: env.recoveryMs });
    startWorkers = () => {
      workers.start();
      erasureWorkers.start();
    };
    closers.push(async () => {
      await Promise.all([workers.close(), erasureWorkers.close()]);
      await Promise.all([...connectors.values()].map((connector) => connector.close?.()));
    });
  }
  // Every process listens, so that it can be probed and scraped; a worker-only process for that alone.
  const readiness = new Readiness(redis, db);
  await readiness.start();
  const monitoring = { readiness, metrics, metricsToken: env.metricsToken };
  const checkpointSigner = new CheckpointSigner(env.logSigningKey);
  const intake = env.role === 'worker' ? undefined : new Intake({ db, queues, agreements, masterKey: env.masterKey, subjectHashKey: env.subjectHashKey, metrics, log });
  const configured = suppliers.map((supplier) => ({
    id: supplier.id,
    connector: supplier.connector,
    displayName: connectorDefinition(supplier.connector)!.displayName,
    agreement: agreements.get(supplier.id)!,
  }));
  const app = intake
    ? createApp({
        intake,
        db,
        queues,
        erasureQueues,
        suppliers: configured,
        keys: new ApiKeyStore(env.apiKeysFile),
        subjectHashKey: env.subjectHashKey,
        masterKey: env.masterKey,
        log,
        dashboardSessionKey: pageSessionKey(env.masterKey, 'dashboard'),
        privacySessionKey: pageSessionKey(env.masterKey, 'privacy'),
        checkpointSigner,
        ...monitoring,
      })
    : createMonitoringApp({ ...monitoring, log });
  const server = await listen(app, env.port, env.host);
  const address = server.address() as { port: number };
  const url = `http://${env.host.includes(':') ? `[${env.host}]` : env.host}:${address.port}`;
  // The listener stops first, so nothing new is accepted while the workers finish.
  closers.unshift(async () => {
    readiness.stop();
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
    await intake?.close();
  });

  startWorkers();
  const checkpoints = startCheckpointWriter(db, checkpointSigner, log, checkpointIntervalMs);
  closers.push(() => checkpoints.stop());
  return {
    url,
    db,
    async close() {
      for (const close of closers) await close();
      await queues.close();
      await erasureQueues.close();
      redis.disconnect();
      await db.close();
    },
  };
}

function listen(app: import('express').Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(portRefusal(error, port, host)) : resolve(server)));
  });
}
