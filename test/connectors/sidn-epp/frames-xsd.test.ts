import { sidnEpp } from '../../../connectors/sidn-epp/connector';
import { xsdErrorsOf } from '../../../connectors/sidn-epp/xsd-validator';
import { commandsIn, recordedSandbox } from './support/sandbox';
import { recordingContext, registerPayload } from '../support/payloads';
import { waitFor } from '../../support/services';

test('every frame of a recorded session, both ways, validates against the EPP schemas and SIDN extension in xsd/', async () => {
  const { sandbox, frames, config } = await recordedSandbox();
  try {
    const connector = sidnEpp.create({ ...config, keepAliveMs: 100 });
    const delivered = recordingContext();
    const payload = registerPayload({ registrant: { ...registerPayload().registrant, companyName: 'Canary Holding B.V.' } });
    await connector.deliver('domain.register', payload, delivered);
    await connector.lookup('domain.register', payload, delivered);
    const refused = recordingContext();
    await connector.deliver('domain.register', registerPayload({ domain: 'taken-xsd.nl' }), refused).catch(() => undefined);
    await connector.erase(
      [{ transferId: delivered.transferId, operation: 'domain.register', supplierReference: null, state: delivered.state }],
      { signal: new AbortController().signal, erasureId: 'erasure-1', log: delivered.log },
    );
    await connector.discard('domain.register', recordingContext({ state: { contactProposedId: 'SGWNOSUCHCONTAC' } }));
    await waitFor(async () => frames.some((frame) => frame.xml.includes('<hello/>')), 'a keep-alive hello', 10_000, 50);
    await connector.close?.();
    await waitFor(async () => commandsIn(frames).some(({ command }) => command === 'logout'), 'the logout', 10_000, 50);

    const commands = new Set(commandsIn(frames).map(({ command }) => command));
    for (const command of ['login', 'logout', 'domain:check', 'domain:create', 'domain:info', 'contact:create', 'contact:info', 'contact:delete', 'host:check', 'host:create']) {
      expect(commands).toContain(command);
    }
    expect(frames.filter((frame) => frame.direction === 'sent' && frame.xml.includes('<greeting>')).length).toBeGreaterThanOrEqual(2);
    expect(await xsdErrorsOf(...frames.map((frame) => frame.xml))).toEqual([]);
  } finally {
    await sandbox.close();
  }
}, 60_000); // the sandbox validates each frame it receives in a fresh xmllint-wasm worker: slow on a loaded machine

test('the validator does refuse what the schemas do not allow', async () => {
  const valid = '<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>';
  expect(await xsdErrorsOf(valid)).toEqual([]);
  expect(await xsdErrorsOf(valid.replace('<hello/>', '<goodbye/>'))).not.toEqual([]);
  expect((await xsdErrorsOf(valid, valid.replace('<hello/>', '<goodbye/>'), valid)).join('\n')).toMatch(/^frame-1\.xml:/);
  const legalForm = (form: string) =>
    '<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><create><contact:create xmlns:contact="urn:ietf:params:xml:ns:contact-1.0">' +
    '<contact:id>SGW1</contact:id><contact:postalInfo type="loc"><contact:name>n</contact:name><contact:addr><contact:city>c</contact:city><contact:cc>NL</contact:cc></contact:addr></contact:postalInfo>' +
    '<contact:email>e@example.nl</contact:email><contact:authInfo><contact:pw>secret</contact:pw></contact:authInfo></contact:create></create>' +
    `<extension><sidn-ext-epp:ext xmlns:sidn-ext-epp="http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"><sidn-ext-epp:create><sidn-ext-epp:contact><sidn-ext-epp:legalForm>${form}</sidn-ext-epp:legalForm></sidn-ext-epp:contact></sidn-ext-epp:create></sidn-ext-epp:ext></extension>` +
    '<clTRID>abc-1</clTRID></command></epp>';
  expect(await xsdErrorsOf(legalForm('PERSOON'))).toEqual([]);
  expect(await xsdErrorsOf(legalForm('NOT-A-FORM'))).not.toEqual([]);
});
