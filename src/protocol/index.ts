/**
 * @packageDocumentation
 * The protocol core both bindings (libp2p and HTTP) share: DSP 2025-1 message types, validation
 * against the normative JSON Schemas in `spec/dsp-2025-1/`, builders, the message size guard, and
 * the typed errors with their one mapping to HTTP status and DSP
 * error bodies. Pure: no network, no clock.
 *
 * @example
 * ```ts
 * const request = createContractRequestMessage({ consumerPid, callbackAddress, offer })
 * const bytes = encodeMessage(request)
 * // receiving side: size guard, JSON, then the schema of the expected types
 * const message = parseMessage(decodeMessage(bytes), ['ContractRequestMessage'])
 * message.offer.target
 * ```
 */

export type { DspBinding, PeerAddressing } from './binding.js'
export {
  type Catalog,
  type CatalogError,
  type CatalogFields,
  type CatalogMessage,
  type CatalogRequestMessage,
  createCatalog,
  createCatalogError,
  createCatalogRequestMessage,
  createDataset,
  createDatasetRequestMessage,
  type DataService,
  type Dataset,
  type DatasetFields,
  type DatasetRequestMessage,
  type Distribution,
} from './catalog-messages.js'
export { DSP_CONTEXT, type DspContext, dspContext } from './context.js'
export {
  DSP_ERROR_TYPES,
  type DspArea,
  type DspErrorBody,
  type DspErrorResponse,
  type DspProcessKind,
  IllegalTransitionError,
  InvalidFrameError,
  InvalidMessageError,
  type MessageIssue,
  MessageTooLargeError,
  NotAuthenticatedError,
  toDspError,
  UnknownProcessError,
} from './dsp-errors.js'
export {
  ERROR_TABLE,
  type ErrorAnswer,
  type ErrorReply,
  errorReply,
  isRefusalCode,
  isRefusalStatus,
  isRemoteRefusal,
} from './error-table.js'
export { AllmendeError, InvalidInputError, NotFoundError } from './errors.js'
export {
  checkJsonDepth,
  decodeMessage,
  encodeMessage,
  MAX_JSON_DEPTH,
  MAX_MESSAGE_BYTES,
} from './message-codec.js'
export {
  type Agreement,
  type AtomicConstraint,
  type Constraint,
  type ContractAgreementMessage,
  type ContractAgreementVerificationMessage,
  type ContractNegotiation,
  type ContractNegotiationError,
  type ContractNegotiationEventMessage,
  type ContractNegotiationTerminationMessage,
  type ContractOfferMessage,
  type ContractRequestMessage,
  createContractAgreementMessage,
  createContractAgreementVerificationMessage,
  createContractNegotiation,
  createContractNegotiationError,
  createContractNegotiationEventMessage,
  createContractNegotiationTerminationMessage,
  createContractOfferMessage,
  createContractRequestMessage,
  type LogicalConstraint,
  type MessageFields,
  type MessageOffer,
  NEGOTIATION_STATES,
  type NegotiationMessage,
  type NegotiationState,
  type Offer,
  type Operator,
  type PolicyClass,
  type Rule,
} from './negotiation-messages.js'
export {
  catalogTopic,
  DATA_PROTOCOL,
  DESCRIPTOR_PROTOCOL,
  DSP_CHANNEL_PROTOCOL_IDS,
  DSP_PROTOCOL_IDS,
  DUTY_PROTOCOL,
  dataspaceTag,
  dhtProtocol,
  FIND_PEER_PROTOCOL,
  isAllmendeRequest,
  MEMBERS_PROTOCOL,
  MEMBERSHIP_NOTICE_PROTOCOL,
  MEMBERSHIP_PROTOCOL,
  membershipTopic,
  STATUS_PROTOCOL,
  TRUST_PROTOCOL,
} from './protocol-ids.js'
export { PeerUnreachableError, ProviderUnreachableError, RemoteDspError } from './remote-errors.js'
export {
  DSP_SCHEMA_FILES,
  DSP_SPEC_DIR,
  type DspSchemaName,
  type DspValidator,
  dspValidator,
  findRepoRoot,
} from './schemas.js'
export { type RateLimit, RateLimitedError, TokenBuckets } from './token-buckets.js'
export {
  createDataAddress,
  createTransferCompletionMessage,
  createTransferError,
  createTransferProcess,
  createTransferRequestMessage,
  createTransferStartMessage,
  createTransferSuspensionMessage,
  createTransferTerminationMessage,
  type DataAddress,
  type EndpointProperty,
  TRANSFER_STATES,
  type TransferCompletionMessage,
  type TransferError,
  type TransferMessage,
  type TransferProcess,
  type TransferRequestMessage,
  type TransferStartMessage,
  type TransferState,
  type TransferSuspensionMessage,
  type TransferTerminationMessage,
} from './transfer-messages.js'
export {
  DSP_MESSAGE_AREAS,
  type DspDocumentTypes,
  type DspMessage,
  type DspMessageType,
  isDspMessageType,
  parseMessage,
  validateMessage,
} from './validate.js'
export {
  createDidService,
  createVersionResponse,
  DID_CONTEXT,
  type DidService,
  DSP_VERSION,
  type ProtocolAuth,
  type ProtocolVersion,
  type VersionResponse,
} from './version-metadata.js'
