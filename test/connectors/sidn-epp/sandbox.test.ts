import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { FrameDecoder, encodeFrame } from '../../../connectors/sidn-epp/framing';
import { type SidnSandbox, startSidnSandbox } from '../../../connectors/sidn-epp/sandbox';
import { contactCreateFrame, contactDeleteFrame, contactInfoFrame, loginFrame } from '../../../connectors/sidn-epp/commands';
import { child, parseEpp, textOf } from '../../../connectors/sidn-epp/xml';

/** A raw EPP client: sends frames as given and reads the answers, to see the sandbox as SIDN's clients do. */
async function rawSession(sandbox: SidnSandbox) {
  const socket = tls.connect({ host: sandbox.host, port: sandbox.port, ca: readFileSync(sandbox.caFile) });
  const decoder = new FrameDecoder();
  const queued: string[] = [];
  const waiting: Array<(xml: string) => void> = [];
  socket.on('data', (chunk: Buffer) => {
    for (const frame of decoder.push(chunk)) {
      const waiter = waiting.shift();
      if (waiter) waiter(frame);
      else queued.push(frame);
    }
  });
  const next = () => new Promise<string>((resolve) => (queued.length > 0 ? resolve(queued.shift()!) : waiting.push(resolve)));
  const greeting = await next();
  const send = async (xml: string) => {
    socket.write(encodeFrame(xml));
    const response = child(parseEpp(await next()), 'response');
    return { code: Number(child(response, 'result')?.['@_code']), data: child(response, 'resData') };
  };
  return { greeting, send, close: () => socket.destroy() };
}

const contact = (proposedId: string) =>
  contactCreateFrame(
    { proposedId, name: 'Jan Jansen', street: 'Dorpsstraat 1', city: 'Utrecht', postalCode: '3511AA', country: 'NL', voice: '+31.301234567', email: 'jan@example.nl', authInfo: 'secret1', legalForm: 'PERSOON' },
    'test-trid-1',
  );

let sandbox: SidnSandbox;
beforeAll(async () => {
  sandbox = await startSidnSandbox();
});
afterAll(() => sandbox.close());

test('greets on connect, and answers 2001 to a frame the schemas refuse, 2002 to a command before login, 2200 to bad credentials', async () => {
  const session = await rawSession(sandbox);
  try {
    expect(child(parseEpp(session.greeting), 'greeting')).toBeDefined();
    expect((await session.send('<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><nonsense/></epp>')).code).toBe(2001);
    expect((await session.send('<epp>not even XML')).code).toBe(2001);
    expect((await session.send(contactInfoFrame('SBX1', 'test-trid-2'))).code).toBe(2002);
    expect((await session.send(loginFrame(sandbox.clientId, 'wrong-password', 'test-trid-3'))).code).toBe(2200);
    expect((await session.send(loginFrame(sandbox.clientId, sandbox.password, 'test-trid-4'))).code).toBe(1000);
  } finally {
    session.close();
  }
});

test('assigns its own contact id, finds the contact by the proposed one too, and forgets both once it is deleted', async () => {
  const session = await rawSession(sandbox);
  try {
    await session.send(loginFrame(sandbox.clientId, sandbox.password, 'test-trid-5'));
    const created = await session.send(contact('SGWPROPOSED0001'));
    const assigned = textOf(child(created.data, 'creData'), 'id');
    expect(created.code).toBe(1000);
    expect(assigned).not.toBe('SGWPROPOSED0001');
    expect(sandbox.contacts().map(({ id }) => id)).toContain(assigned);

    const found = await session.send(contactInfoFrame('SGWPROPOSED0001', 'test-trid-6'));
    expect(textOf(child(found.data, 'infData'), 'id')).toBe(assigned);
    expect((await session.send(contactDeleteFrame(assigned!, 'test-trid-7'))).code).toBe(1000);
    expect((await session.send(contactInfoFrame('SGWPROPOSED0001', 'test-trid-8'))).code).toBe(2303);
    expect((await session.send(contactDeleteFrame(assigned!, 'test-trid-9'))).code).toBe(2303);
  } finally {
    session.close();
  }
});
