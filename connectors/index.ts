import type { ConnectorDefinition } from '../src/connector-kit';
import { openprovider } from './openprovider/connector';
import { pgpSftp } from './pgp-sftp/connector';
import { realtimeregister } from './realtimeregister/connector';
import { sidnEpp } from './sidn-epp/connector';

/** Every connector the gateway can run, by the id used as `connector` in the suppliers file. */
export const connectors = { openprovider, 'pgp-sftp': pgpSftp, realtimeregister, 'sidn-epp': sidnEpp } as const;

export type ConnectorId = keyof typeof connectors;

/** The definition registered under `id`, or undefined so the caller can name the bad id in its own message. */
export function getConnectorDefinition(id: string): ConnectorDefinition<unknown> | undefined {
  return Object.hasOwn(connectors, id) ? (connectors[id as ConnectorId] as ConnectorDefinition<unknown>) : undefined;
}
