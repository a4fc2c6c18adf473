import { readFileSync } from 'node:fs';
import { type ConnectorDefinition, connectorFromOperations } from '../../src/connector-kit';
import type { FileDrop } from './file-drop';
import { OpenPgpSealer } from './openpgp-sealer';
import { DEBT_COLLECT_SCHEMA_ID, debtCollect } from './operations/debt-collect';
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
    return connectorFromOperations('pgp-sftp', { 'debt.collect': debtCollect(drop) }, {
      async check(signal) {
        await drop.sealer.check();
        await drop.session.check(signal);
      },
      close: () => drop.session.close(),
    });
  },
};

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
