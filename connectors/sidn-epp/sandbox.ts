import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo, Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from './framing';
import { FaultQueue } from '../sandbox-faults';
import { makeThrowawayCa } from '../sandbox-tls';
import type { SandboxFault } from './sandbox-faults';
import { type CommandAnswer, type ObjectType, SandboxRegistry } from './sandbox-registry';
import { xsdErrorsOf } from './xsd-validator';
import { NS, buildEpp, child, parseEpp, soleElement, textOf } from './xml';

export interface SidnSandboxOptions {
  clientId?: string;
  password?: string;
  /** Refuse a TLS client without a certificate the sandbox's CA signed. */
  requireClientCert?: boolean;
  /** Sees every frame, both ways, as XML: for tests that check them. */
  tap?(frame: { direction: 'received' | 'sent'; xml: string }): void;
}

export interface SidnSandbox {
  host: string;
  port: number;
  clientId: string;
  password: string;
  /** The sandbox's CA (made at start, removed on close), and a client certificate it signed. */
  caFile: string;
  clientCertFile: string;
  clientKeyFile: string;
  faults: { inject(fault: SandboxFault): void; clear(): void };
  /** Contact ids, with the ROIDs of the domains that use each. */
  contacts(): Array<{ id: string; domainRoids: string[] }>;
  domains(): Array<{ roid: string; registrant: string }>;
  hosts(): string[];
  digestOf(roid: string): string | undefined;
  /** Successful logins so far. */
  logins(): number;
  /** Closes every client connection, as SIDN does to idle or broken sessions. */
  dropConnections(): void;
  close(): Promise<void>;
}

const MESSAGES: Record<number, string> = {
  1000: 'Command completed successfully',
  1500: 'Command completed successfully; ending session',
  2001: 'Command syntax error',
  2002: 'Command use error',
  2101: 'Unimplemented command',
  2200: 'Authentication error',
  2201: 'Authorization error',
  2302: 'Object exists',
  2303: 'Object does not exist',
  2305: 'Object association prohibits operation',
  2400: 'Command failed',
  2502: 'Session limit exceeded; server closing connection',
};

const OBJECT_TYPES: Record<string, ObjectType> = { [NS.contact]: 'contact', [NS.domain]: 'domain', [NS.host]: 'host' };
const DATA_COMMANDS = new Set(['contact:create', 'domain:create']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A real EPP-over-TLS server on 127.0.0.1 that behaves like the part of SIDN's registry the connector uses, with
 * fault injection. It validates every frame it receives against the schemas in `xsd/` (2001 when one does not),
 * keeps everything in memory, holds no contact data and logs nothing.
 */
export async function startSidnSandbox(options: SidnSandboxOptions = {}): Promise<SidnSandbox> {
  const clientId = options.clientId ?? 'sandbox-rar';
  const password = options.password ?? randomBytes(8).toString('hex');
  const credentialsDir = mkdtempSync(path.join(os.tmpdir(), 'sidn-epp-sandbox-'));
  const credentials = makeThrowawayCa(credentialsDir, 'SIDN EPP sandbox CA');
  const registry = new SandboxRegistry();
  const faults = new FaultQueue<SandboxFault>();
  const sockets = new Set<Socket>();
  let logins = 0;
  let svTRID = 0;

  const greeting = () =>
    buildEpp({
      greeting: {
        svID: 'SIDN EPP sandbox (supplier-gateway)',
        svDate: new Date().toISOString(),
        svcMenu: { version: '1.0', lang: 'en', objURI: [NS.contact, NS.domain, NS.host], svcExtension: { extURI: NS.sidn } },
        dcp: { access: { all: '' }, statement: { purpose: { admin: '', prov: '' }, recipient: { ours: '', public: '' }, retention: { stated: '' } } },
      },
    });

  const response = ({ code, resData }: CommandAnswer, clTRID: string | undefined) =>
    buildEpp({
      response: {
        result: { '@_code': code, msg: MESSAGES[code] ?? 'Command failed' },
        ...(resData && { resData }),
        trID: { ...(clTRID !== undefined && { clTRID }), svTRID: `SBX-${++svTRID}` },
      },
    });

  function serve(socket: tls.TLSSocket): void {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const send = (xml: string) => {
      options.tap?.({ direction: 'sent', xml });
      if (!socket.destroyed) socket.write(encodeFrame(xml));
    };
    const decoder = new FrameDecoder();
    let loggedIn = false;
    let pending = Promise.resolve();

    /** One frame: validated, then answered; a fault on a data command applies here. */
    async function answer(xml: string, arrivedAt: number): Promise<void> {
      options.tap?.({ direction: 'received', xml });
      if ((await xsdErrorsOf(xml)).length > 0) return send(response({ code: 2001 }, undefined));
      const epp = parseEpp(xml);
      if (child(epp, 'hello') !== undefined) return send(greeting());
      const command = child(epp, 'command');
      const clTRID = textOf(command, 'clTRID');
      const verb = soleElement(command);
      if (verb === undefined) return send(response({ code: 2001 }, clTRID));
      if (verb.name === 'login') {
        loggedIn = textOf(verb.element, 'clID') === clientId && textOf(verb.element, 'pw') === password;
        if (loggedIn) logins += 1;
        return send(response({ code: loggedIn ? 1000 : 2200 }, clTRID));
      }
      if (!loggedIn) return send(response({ code: 2002 }, clTRID));
      if (verb.name === 'logout') {
        send(response({ code: 1500 }, clTRID));
        return void socket.end();
      }
      const object = soleElement(verb.element, epp);
      const type = object?.namespace === undefined ? undefined : OBJECT_TYPES[object.namespace];
      if (object === undefined || type === undefined) return send(response({ code: 2101 }, clTRID));
      const fault = DATA_COMMANDS.has(`${type}:${verb.name}`) ? faults.take() : undefined;
      if (fault?.kind === 'rate_limit') {
        send(response({ code: 2502 }, clTRID));
        return void socket.end();
      }
      if (fault?.kind === 'server_error') return send(response({ code: 2400 }, clTRID));
      // Counted from arrival: validating the frame is part of the delay the client sees.
      if (fault?.kind === 'delay') await sleep(arrivedAt + fault.delayMs - Date.now());
      const answered = registry.handle(verb.name, type, object.element, xml);
      // The command took effect; only the answer is lost, as when a connection drops on the way back.
      if (fault?.kind === 'drop_response') return void socket.destroy();
      send(response(answered, clTRID));
    }

    socket.on('data', (chunk: Buffer) => {
      let frames: string[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return void socket.destroy();
      }
      const arrivedAt = Date.now();
      for (const frame of frames) pending = pending.then(() => answer(frame, arrivedAt)).catch(() => void socket.destroy());
    });
    send(greeting());
  }

  const server = tls.createServer(
    {
      key: credentials.key,
      cert: credentials.cert,
      minVersion: 'TLSv1.2',
      ...(options.requireClientCert && { requestCert: true, rejectUnauthorized: true, ca: readFileSync(credentials.caFile) }),
    },
    serve,
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    clientId,
    password,
    caFile: credentials.caFile,
    clientCertFile: credentials.clientCertFile,
    clientKeyFile: credentials.clientKeyFile,
    faults: { inject: (fault) => faults.inject(fault), clear: () => faults.clear() },
    contacts: () => registry.contacts(),
    domains: () => registry.domains(),
    hosts: () => registry.hosts(),
    digestOf: (roid) => registry.digestOf(roid),
    logins: () => logins,
    dropConnections: () => sockets.forEach((socket) => socket.destroy()),
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => {
          rmSync(credentialsDir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
