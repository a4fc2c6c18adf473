import { readFileSync } from 'node:fs';
import { type Connector, type ConnectorDefinition, SupplierContractError } from '../../src/connector-kit';
import { type FileDrop, deliverFile, discardFile, eraseFile, lookupFile } from './file-drop';
import { OpenPgpSealer } from './openpgp-sealer';
import { DEBT_COLLECT_SCHEMA_ID, debtCollectDocument } from './operations/debt-collect';
import { SftpSession } from './sftp-session';

export interface PgpSftpConfig {
  host: string;
  port?: number;
  username: string;
  /** One of `password` and `privateKeyFile` (an OpenSSH private key without passphrase). */
  password?: string;
  privateKeyFile?: string;
  hostKeySha256: string;
  directory: string;
  recipientKeyFile: string;
  signingKeyFile: string;
  signingKeyPassphrase?: string;
  timeoutMs?: number;
}

export const DEFAULT_TIMEOUT_MS = 15_000;

/** Each operation's document, built from the validated payload and the transfer id. */
const documents: Record<string, (payload: unknown, transferId: string) => Buffer> = {
  'debt.collect': debtCollectDocument,
};

export const pgpSftpConfigSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['host', 'username', 'hostKeySha256', 'directory', 'recipientKeyFile', 'signingKeyFile'],
  // Exactly one way to authenticate. Each branch names its property so that strict Ajv (strictRequired) accepts it.
  oneOf: [
    { properties: { password: true }, required: ['password'] },
    { properties: { privateKeyFile: true }, required: ['privateKeyFile'] },
  ],
  properties: {
    host: { type: 'string', minLength: 1 },
    port: { type: 'integer', minimum: 1, maximum: 65_535, default: 22 },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string', minLength: 1 },
    privateKeyFile: { type: 'string', minLength: 1, description: 'OpenSSH private key (no passphrase) for public-key authentication' },
    hostKeySha256: {
      type: 'string',
      description: "Base64 SHA-256 of the server's host key, as `ssh-keygen -lf` prints it; any other host key is refused",
      pattern: '^(SHA256:)?[A-Za-z0-9+/]{43}=?$',
    },
    directory: { type: 'string', description: 'Absolute directory the files go to, e.g. /incoming', pattern: '^(/[^/\\u0000]+)+$' },
    recipientKeyFile: { type: 'string', minLength: 1, description: "Armored OpenPGP public key of the supplier: files are encrypted to it" },
    signingKeyFile: { type: 'string', minLength: 1, description: "Armored OpenPGP private key of the gateway: files are signed with it" },
    signingKeyPassphrase: { type: 'string', minLength: 1 },
    timeoutMs: { type: 'integer', minimum: 1000, maximum: 120_000, default: DEFAULT_TIMEOUT_MS },
  },
} as const;

export const pgpSftp: ConnectorDefinition<PgpSftpConfig> = {
  id: 'pgp-sftp',
  displayName: 'OpenPGP files over SFTP',
  operations: { 'debt.collect': DEBT_COLLECT_SCHEMA_ID },
  configSchema: pgpSftpConfigSchema,
  create(config) {
    const drop: FileDrop = {
      session: new SftpSession({
        host: config.host,
        port: config.port ?? 22,
        username: config.username,
        password: config.password,
        privateKey: config.privateKeyFile === undefined ? undefined : readConfiguredFile(config.privateKeyFile, 'privateKeyFile'),
        hostKeySha256: config.hostKeySha256,
        timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      }),
      sealer: new OpenPgpSealer(
        { recipient: readConfiguredFile(config.recipientKeyFile, 'recipientKeyFile').toString('utf8'), signing: readConfiguredFile(config.signingKeyFile, 'signingKeyFile').toString('utf8') },
        config.signingKeyPassphrase,
      ),
      directory: config.directory,
    };
    return {
      async check(signal) {
        await drop.sealer.check();
        await drop.session.check(signal);
      },
      async deliver(operation, payload, ctx) {
        return deliverFile(drop, documentFor(operation)(payload, ctx.transferId), ctx);
      },
      async lookup(operation, _payload, ctx) {
        checkOperation(operation);
        return lookupFile(drop, ctx);
      },
      async discard(operation, ctx) {
        checkOperation(operation);
        await discardFile(drop, ctx);
      },
      async erase(records, ctx) {
        const answers = [];
        for (const record of records) {
          checkOperation(record.operation);
          answers.push(await eraseFile(drop, record, ctx));
        }
        return answers;
      },
      async close() {
        await drop.session.close();
      },
    } satisfies Connector;
  },
};

function checkOperation(operation: string): void {
  if (!Object.hasOwn(documents, operation)) throw new SupplierContractError('unsupported_operation', `pgp-sftp does not implement ${operation}`);
}

function documentFor(operation: string): (payload: unknown, transferId: string) => Buffer {
  checkOperation(operation);
  return documents[operation];
}

/**
 * A key file named in the config. Missing or unreadable is a configuration mistake: `create()` throws a plain
 * error naming the setting, so the gateway refuses to start.
 */
function readConfiguredFile(file: string, setting: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`pgp-sftp: ${setting} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`);
  }
}
