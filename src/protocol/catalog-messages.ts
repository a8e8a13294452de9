import { buildMessage } from './build-message.js'
import type { DspContext } from './context.js'
import type { MessageFields, Offer } from './negotiation-messages.js'

/** A `dcat:DataService`: where negotiation and transfer messages for the catalog's datasets go. */
export interface DataService {
  '@id': string
  '@type': 'DataService'
  /** The DSP base of the same protocol version as the catalog. */
  endpointURL: string
  servesDataset?: Dataset[]
  [property: string]: unknown
}

/** A `dcat:Distribution`: a format (e.g. `HttpData-PULL`) and the service that delivers it. */
export interface Distribution {
  '@type'?: 'Distribution'
  format: string
  /** The `@id` of a DataService of the catalog, or the DataService itself. */
  accessService: string | DataService
  hasPolicy?: Offer[]
  [property: string]: unknown
}

/** The fields of a `dcat:Dataset`; further DCAT-AP properties (title, keyword, …) may appear. */
export interface DatasetFields {
  '@id': string
  /** At least one offer, each with a unique `@id` and no `target`. */
  hasPolicy: Offer[]
  distribution: Distribution[]
  [property: string]: unknown
}

/**
 * A dataset: inside a catalog (no `@context`) or as the answer to a `DatasetRequestMessage`
 * (with `@context`, which the schema then requires).
 */
export interface Dataset extends DatasetFields {
  '@context'?: DspContext
  '@type'?: 'Dataset'
}

/** The fields of a `dcat:Catalog`; a catalog carries no `hasPolicy` of its own. */
export interface CatalogFields {
  '@id': string
  /** Required on the root catalog (the message), absent in nested ones. */
  participantId?: string
  dataset?: Dataset[]
  catalog?: Catalog[]
  service?: DataService[]
  distribution?: Distribution[]
  [property: string]: unknown
}

/** A catalog: the answer to a `CatalogRequestMessage` (with `@context` and `participantId`) or nested. */
export interface Catalog extends CatalogFields {
  '@context'?: DspContext
  '@type': 'Catalog'
}

/** Asks a provider for its catalog; `filter` is implementation-specific. */
export interface CatalogRequestMessage {
  '@context': DspContext
  '@type': 'CatalogRequestMessage'
  filter?: unknown[]
}

/** Asks a provider for one dataset by its `@id`. */
export interface DatasetRequestMessage {
  '@context': DspContext
  '@type': 'DatasetRequestMessage'
  dataset: string
}

/** The error answer of the catalog protocol. */
export interface CatalogError {
  '@context': DspContext
  '@type': 'CatalogError'
  code?: string
  reason?: unknown[]
}

/** Every top-level message of the catalog protocol. */
export type CatalogMessage = CatalogRequestMessage | DatasetRequestMessage | Catalog | Dataset | CatalogError

/** Builds a valid `CatalogRequestMessage`. */
export function createCatalogRequestMessage(
  fields: MessageFields<CatalogRequestMessage> = {},
): CatalogRequestMessage {
  return buildMessage('CatalogRequestMessage', fields)
}

/** Builds a valid `DatasetRequestMessage`. */
export function createDatasetRequestMessage(
  fields: MessageFields<DatasetRequestMessage>,
): DatasetRequestMessage {
  return buildMessage('DatasetRequestMessage', fields)
}

/**
 * Builds a valid root `Catalog` (with `@context`; `participantId` required).
 *
 * @example
 * ```ts
 * createCatalog({ '@id': catalogId, participantId: node.did, service: [service], dataset: [dataset] })
 * ```
 */
export function createCatalog(fields: CatalogFields & { participantId: string }): Catalog {
  return buildMessage('Catalog', fields)
}

/** Builds a valid `Dataset` answer (with `@context`). */
export function createDataset(fields: DatasetFields): Dataset {
  return buildMessage('Dataset', fields)
}

/** Builds a valid `CatalogError`. */
export function createCatalogError(fields: MessageFields<CatalogError> = {}): CatalogError {
  return buildMessage('CatalogError', fields)
}
