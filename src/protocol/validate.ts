import type {
  Catalog,
  CatalogError,
  CatalogRequestMessage,
  Dataset,
  DatasetRequestMessage,
} from './catalog-messages.js'
import { checkDocument } from './check-document.js'
import { type DspArea, InvalidMessageError } from './dsp-errors.js'
import type {
  ContractAgreementMessage,
  ContractAgreementVerificationMessage,
  ContractNegotiation,
  ContractNegotiationError,
  ContractNegotiationEventMessage,
  ContractNegotiationTerminationMessage,
  ContractOfferMessage,
  ContractRequestMessage,
} from './negotiation-messages.js'
import type { DspSchemaName } from './schemas.js'
import type {
  DataAddress,
  TransferCompletionMessage,
  TransferError,
  TransferProcess,
  TransferRequestMessage,
  TransferStartMessage,
  TransferSuspensionMessage,
  TransferTerminationMessage,
} from './transfer-messages.js'
import type { DidService, VersionResponse } from './version-metadata.js'

/** The TypeScript type of each DSP document {@link validateMessage} checks. */
export interface DspDocumentTypes {
  CatalogRequestMessage: CatalogRequestMessage
  DatasetRequestMessage: DatasetRequestMessage
  Catalog: Catalog
  Dataset: Dataset
  CatalogError: CatalogError
  ContractRequestMessage: ContractRequestMessage
  ContractOfferMessage: ContractOfferMessage
  ContractAgreementMessage: ContractAgreementMessage
  ContractAgreementVerificationMessage: ContractAgreementVerificationMessage
  ContractNegotiationEventMessage: ContractNegotiationEventMessage
  ContractNegotiationTerminationMessage: ContractNegotiationTerminationMessage
  ContractNegotiation: ContractNegotiation
  ContractNegotiationError: ContractNegotiationError
  TransferRequestMessage: TransferRequestMessage
  TransferStartMessage: TransferStartMessage
  TransferSuspensionMessage: TransferSuspensionMessage
  TransferCompletionMessage: TransferCompletionMessage
  TransferTerminationMessage: TransferTerminationMessage
  TransferProcess: TransferProcess
  TransferError: TransferError
  DataAddress: DataAddress
  VersionResponse: VersionResponse
  DidService: DidService
}

/**
 * The protocol area of every DSP message `@type` that {@link parseMessage} dispatches: the
 * requests, ACKs and errors that travel on their own (not `DataAddress`, nested in transfers).
 */
export const DSP_MESSAGE_AREAS = {
  CatalogRequestMessage: 'catalog',
  DatasetRequestMessage: 'catalog',
  Catalog: 'catalog',
  Dataset: 'catalog',
  CatalogError: 'catalog',
  ContractRequestMessage: 'negotiation',
  ContractOfferMessage: 'negotiation',
  ContractAgreementMessage: 'negotiation',
  ContractAgreementVerificationMessage: 'negotiation',
  ContractNegotiationEventMessage: 'negotiation',
  ContractNegotiationTerminationMessage: 'negotiation',
  ContractNegotiation: 'negotiation',
  ContractNegotiationError: 'negotiation',
  TransferRequestMessage: 'transfer',
  TransferStartMessage: 'transfer',
  TransferSuspensionMessage: 'transfer',
  TransferCompletionMessage: 'transfer',
  TransferTerminationMessage: 'transfer',
  TransferProcess: 'transfer',
  TransferError: 'transfer',
} as const satisfies Partial<Record<DspSchemaName, DspArea>>

/** A DSP message `@type`: a key of {@link DSP_MESSAGE_AREAS}. */
export type DspMessageType = keyof typeof DSP_MESSAGE_AREAS

/** Any DSP message {@link parseMessage} returns. */
export type DspMessage = DspDocumentTypes[DspMessageType]

/**
 * Checks `value` against the DSP 2025-1 JSON Schema of `type` and returns it typed (the same
 * object, unchanged). Throws `InvalidMessageError` whose message names the failing spots in words,
 * e.g. `ContractRequestMessage is invalid: offer.permission[0] must have property 'action'`.
 */
export function validateMessage<K extends DspSchemaName>(type: K, value: unknown): DspDocumentTypes[K] {
  return checkDocument(type, value) as DspDocumentTypes[K]
}

/** A peer's value quoted for an error message, cut short so a huge value is not echoed back. */
function quoteShort(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}

/** Type guard: is `type` a DSP message `@type` that {@link parseMessage} dispatches? */
export function isDspMessageType(type: unknown): type is DspMessageType {
  return typeof type === 'string' && Object.hasOwn(DSP_MESSAGE_AREAS, type)
}

/**
 * Validates a received JSON value as the DSP message its `@type` names. With `accept`, only those
 * types pass (an endpoint of the negotiation protocol accepts no `TransferStartMessage`).
 *
 * @example
 * ```ts
 * const message = parseMessage(decodeMessage(bytes), ['ContractRequestMessage', 'ContractOfferMessage'])
 * ```
 */
export function parseMessage(json: unknown): DspMessage
export function parseMessage<T extends DspMessageType>(
  json: unknown,
  accept: readonly T[],
): DspDocumentTypes[T]
export function parseMessage(json: unknown, accept?: readonly DspMessageType[]): DspMessage {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    const kind = json === null ? 'null' : Array.isArray(json) ? 'an array' : `a ${typeof json}`
    throw new InvalidMessageError(`a DSP message must be a JSON object, got ${kind}`)
  }
  const type = (json as { '@type'?: unknown })['@type']
  if (type === undefined)
    throw new InvalidMessageError('the message has no @type; a DSP message must name its type')
  if (!isDspMessageType(type)) {
    throw new InvalidMessageError(
      `unknown DSP message type ${quoteShort(type)}; expected one of ${(accept ?? Object.keys(DSP_MESSAGE_AREAS)).join(', ')}`,
    )
  }
  if (accept !== undefined && !accept.includes(type)) {
    throw new InvalidMessageError(`${type} is not accepted here; expected one of ${accept.join(', ')}`)
  }
  return validateMessage(type, json)
}
