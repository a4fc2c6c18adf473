import type { Agreement } from '../agreements/agreements';
import type { ConnectorDefinition } from '../connector-kit';
import { ConfigError } from './config-error';
import type { SupplierConfig } from './suppliers';

export interface ConfiguredAgreements {
  /** The agreements of the suppliers in the suppliers file: the only ones intake and workers may act on. */
  agreements: Map<string, Agreement>;
  /** Suppliers with an agreement under schemas/ but no entry in the suppliers file: their transfers are refused with 404. */
  unconfigured: string[];
}

/**
 * Holds the suppliers file against the agreements under schemas/, at start, so that a mismatch stops the
 * process instead of failing transfers later: every configured supplier has an agreement, and its
 * connector delivers exactly the agreed operations, each with the agreed schema.
 */
export function configuredAgreements(
  suppliers: SupplierConfig[],
  agreements: Map<string, Agreement>,
  connectorDefinition: (id: string) => ConnectorDefinition<unknown> | undefined,
): ConfiguredAgreements {
  const configured = new Map<string, Agreement>();
  for (const supplier of suppliers) {
    const agreement = agreements.get(supplier.id);
    if (!agreement) throw new ConfigError('SGW_SUPPLIERS_FILE', `names supplier "${supplier.id}", which has no schemas/${supplier.id}/agreement.json`);
    checkOperations(supplier, agreement, connectorDefinition(supplier.connector)!);
    configured.set(supplier.id, agreement);
  }
  return { agreements: configured, unconfigured: [...agreements.keys()].filter((id) => !configured.has(id)) };
}

function checkOperations(supplier: SupplierConfig, agreement: Agreement, connector: ConnectorDefinition<unknown>): void {
  const mismatch = (operation: string, problem: string) =>
    new ConfigError('SGW_SUPPLIERS_FILE', `supplier "${supplier.id}", operation "${operation}": ${problem}`);
  const agreementFile = `schemas/${supplier.id}/agreement.json`;
  for (const [name, agreed] of agreement.operations) {
    const delivered = Object.hasOwn(connector.operations, name) ? connector.operations[name] : undefined;
    if (delivered === undefined) throw mismatch(name, `${agreementFile} lists it, but connector "${connector.id}" does not deliver it`);
    if (delivered !== agreed.schemaId) throw mismatch(name, `${agreementFile} agrees schema ${agreed.schemaId}, but connector "${connector.id}" delivers schema ${delivered}`);
  }
  const unagreed = Object.keys(connector.operations).find((name) => !agreement.operations.has(name));
  if (unagreed) throw mismatch(unagreed, `connector "${connector.id}" delivers it, but ${agreementFile} does not list it`);
}
