import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { decrypt, generateKey, readKey, readMessage, readPrivateKey } from 'openpgp';
import { type AuthContext, type Connection, Server, utils } from 'ssh2';
import type { PgpSftpConfig } from './connector';
import { FaultQueue } from '../sandbox-faults';
import type { SandboxFault } from './sandbox-faults';
import { type IntakeDirectory, type SftpRequest, isDeliveryFile, serveIntake } from './sandbox-sftp';

export type { SandboxFault } from './sandbox-faults';
export type { SftpRequest } from './sandbox-sftp';

export interface PgpSftpSandboxOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** The intake's size limit: a write past it is refused (SSH_FX_PERMISSION_DENIED). Default 1 MiB. */
  maxFileBytes?: number;
}

/** A file the agency received, decrypted with its key, its signature verified with the gateway's public key. */
export interface ReceivedFile {
  name: string;
  document: unknown;
}

export interface PgpSftpSandbox {
  host: string;
  port: number;
  /** `sftp://host:port/directory`, for the start-up message. */
  url: string;
  username: string;
  password: string;
  directory: string;
  /** Base64 SHA-256 of the sandbox's host key (generated at start), as `ssh-keygen -lf` prints it without `SHA256:`. */
  hostKeySha256: string;
  /** Armored key files written at start, named in the config as production names them; plus the SSH client key. */
  keyFiles: { recipient: string; signing: string; supplierSecret: string; gatewayPublic: string; clientPrivateKey: string };
  signingKeyPassphrase: string;
  /** A config that reaches this sandbox, with the password. */
  config: PgpSftpConfig;
  faults: { inject(fault: SandboxFault): void; clear(): void };
  /** Names of every file holding a subject's data: delivery files under their final or temporary names. */
  deliveryFiles(): string[];
  /** Every file in the directory, erasure requests included. */
  files(): string[];
  /** A file's bytes as received, or undefined when there is no such file. */
  file(name: string): Buffer | undefined;
  /** Every SFTP request received, oldest first. */
  requests(): SftpRequest[];
  /** Every file under its final name, decrypted and verified; throws if one does not decrypt or verify. */
  received(): Promise<ReceivedFile[]>;
  close(): Promise<void>;
}

const USERNAME = 'gateway';
const DIRECTORY = '/incoming';

/**
 * A new ed25519 SSH key pair in OpenSSH format. ssh2's generator drops a leading zero byte of the key now and
 * then (about 1 key in 250 does not parse back: "Malformed OpenSSH private key"), so a pair is made until both
 * halves parse.
 */
export function sshKeyPair(): { private: string; public: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(pair.private) instanceof Error) && !(utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

/**
 * An SFTP server on loopback playing the debt-collection agency's intake: a host key, the agency's OpenPGP
 * key pair and the gateway's signing key pair, all generated at start, and one write-only directory in memory.
 */
export async function startPgpSftpSandbox(options: PgpSftpSandboxOptions = {}): Promise<PgpSftpSandbox> {
  const host = options.host ?? '127.0.0.1';
  const password = randomBytes(12).toString('base64url');
  const signingKeyPassphrase = randomBytes(12).toString('base64url');
  const hostKey = sshKeyPair();
  const clientKey = sshKeyPair();
  const allowedClientKey = parsedKey(clientKey.public);
  // v4 curve25519 keys, as GnuPG 2.2 (Debian's gnupg) makes and reads them; it does not read RFC 9580's v6 keys.
  const supplier = await generateKey({ type: 'ecc', curve: 'curve25519Legacy', userIDs: [{ name: 'Voorbeeld Incasso intake (sandbox)' }], format: 'armored' });
  const gateway = await generateKey({
    type: 'ecc',
    curve: 'curve25519Legacy',
    userIDs: [{ name: 'supplier-gateway (sandbox)' }],
    passphrase: signingKeyPassphrase,
    format: 'armored',
  });

  const keyDir = mkdtempSync(path.join(os.tmpdir(), 'pgp-sftp-sandbox-'));
  const keyFile = (name: string, contents: string) => {
    const file = path.join(keyDir, name);
    writeFileSync(file, contents, { mode: 0o600 });
    return file;
  };
  const keyFiles = {
    recipient: keyFile('supplier.pub.asc', supplier.publicKey),
    signing: keyFile('gateway.sec.asc', gateway.privateKey),
    supplierSecret: keyFile('supplier.sec.asc', supplier.privateKey),
    gatewayPublic: keyFile('gateway.pub.asc', gateway.publicKey),
    clientPrivateKey: keyFile('gateway-ssh.key', clientKey.private),
  };

  const intake: IntakeDirectory = {
    path: DIRECTORY,
    files: new Map(),
    maxFileBytes: options.maxFileBytes ?? 1024 * 1024,
    faults: new FaultQueue<SandboxFault>(),
    requests: [],
  };
  const connections = new Set<Connection>();
  const authenticate = (ctx: AuthContext) => {
    if (ctx.username !== USERNAME) return ctx.reject(['password', 'publickey']);
    if (ctx.method === 'password' && sameText(ctx.password, password)) return ctx.accept();
    if (ctx.method === 'publickey' && ctx.key.algo === allowedClientKey.type && ctx.key.data.equals(allowedClientKey.getPublicSSH())) {
      // Without a signature the client only asks whether the key would do.
      if (!ctx.signature || allowedClientKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
    }
    ctx.reject(['password', 'publickey']);
  };
  const server = new Server({ hostKeys: [hostKey.private] }, (connection) => {
    connections.add(connection);
    connection.on('close', () => connections.delete(connection));
    // A client that vanishes mid-request is not the sandbox's failure.
    connection.on('error', () => undefined);
    connection.on('authentication', authenticate);
    connection.on('ready', () =>
      connection.on('session', (acceptSession) => acceptSession().on('sftp', (acceptSftp) => serveIntake(acceptSftp(), connection, intake))),
    );
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const hostKeySha256 = createHash('sha256').update(parsedKey(hostKey.public).getPublicSSH()).digest('base64').replace(/=+$/, '');

  return {
    host,
    port,
    url: `sftp://${host}:${port}${DIRECTORY}`,
    username: USERNAME,
    password,
    directory: DIRECTORY,
    hostKeySha256,
    keyFiles,
    signingKeyPassphrase,
    config: {
      host,
      port,
      username: USERNAME,
      password,
      hostKeySha256,
      directory: DIRECTORY,
      recipientKeyFile: keyFiles.recipient,
      signingKeyFile: keyFiles.signing,
      signingKeyPassphrase,
    },
    faults: { inject: (fault) => intake.faults.inject(fault), clear: () => intake.faults.clear() },
    deliveryFiles: () => [...intake.files.keys()].filter(isDeliveryFile),
    files: () => [...intake.files.keys()],
    file: (name) => {
      const file = intake.files.get(name);
      return file && Buffer.from(file);
    },
    requests: () => [...intake.requests],
    async received() {
      const decryptionKeys = await readPrivateKey({ armoredKey: supplier.privateKey });
      const verificationKeys = await readKey({ armoredKey: gateway.publicKey });
      const finalNames = [...intake.files.keys()].filter((name) => !name.startsWith('.'));
      return Promise.all(
        finalNames.map(async (name) => {
          const message = await readMessage({ binaryMessage: intake.files.get(name)! });
          const { data } = await decrypt({ message, decryptionKeys, verificationKeys, expectSigned: true, format: 'binary' });
          return { name, document: JSON.parse(Buffer.from(data).toString('utf8')) };
        }),
      );
    },
    async close() {
      for (const connection of connections) connection.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

function parsedKey(publicKey: string) {
  const key = utils.parseKey(publicKey);
  if (key instanceof Error) throw key;
  return key;
}

function sameText(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}
