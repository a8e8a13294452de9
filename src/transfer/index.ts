/**
 * @packageDocumentation
 * Transfer processes in two planes. The control plane, {@link TransferManager}: the DSP transfer
 * state machine as data (who may start, suspend, complete or terminate in which state), a pure
 * transition function (illegal moves come back as typed errors), the work states a restart
 * resumes. The data plane, {@link TransferDataPlane}: where data leaves the city
 * (`data-plane/provider-gate.ts`), the consumer's pull into a file, the provider's push. They
 * talk through {@link DataFlows} and {@link DataFlowSignals} only.
 *
 * @example
 * ```ts
 * const step = transitionTransfer(process.state, message, 'provider')
 * if (!step.ok) throw step.error // IllegalTransitionError, code ALLMENDE_ILLEGAL_TRANSITION
 * if (!step.repeat) await save({ ...process, state: step.state })
 * ```
 */

export { ContentDigest, readAhead, skipHashed } from './data-plane/content-digest.js'
export { HTTP_ENDPOINT_TYPE, LIBP2P_ENDPOINT_TYPE, tokenOf } from './data-plane/data-address.js'
export type {
  DataFlowSignals,
  DataFlows,
  FlowCompleted,
  FlowFailed,
  FlowTransfer,
  FlowTransfers,
} from './data-plane/data-flows.js'
export {
  CONTENT_BATCH_BYTES,
  type ContentTotals,
  type DataCaller,
  type DataGrant,
  type DataHeader,
  type DataProvider,
  type DataPuller,
  type DataPusher,
  type DataQuery,
  type DataRequest,
  type PullTarget,
  type PushDelivery,
  type ReceiptGrant,
  type SentContent,
} from './data-plane/data-plane.js'
export {
  ContentMismatchError,
  DataAccessDeniedError,
  DataProtocolError,
  DataSourceFailedError,
  RangeNotSatisfiableError,
  RemoteDataError,
} from './data-plane/errors.js'
export { FileSink, fileLength } from './data-plane/file-sink.js'
export { HashThreadError, ThreadDigest } from './data-plane/hash-thread.js'
export {
  type AgreementUsage,
  ProviderGate,
  type ProviderGateComponents,
  type ProviderGateInit,
  type VerifiedPermit,
} from './data-plane/provider-gate.js'
export {
  TransferDataPlane,
  type TransferDataPlaneComponents,
  type TransferDataPlaneInit,
} from './data-plane/transfer-data-plane.js'
export {
  AgreementPolicies,
  agreementPolicyOf,
  decideWith,
  type UsageDecision,
  type UsageFacts,
  usageWorld,
} from './data-plane/usage-policy.js'
export { WorkerGate, type WorkerGateInit } from './data-plane/worker-gate.js'
export { type VerifiedAdmission, WorkerHost, type WorkerHostInit } from './data-plane/worker-host.js'
export type { HostMessage, WorkerMessage } from './data-plane/worker-wire.js'
export {
  type AgreementDuty,
  ALLMENDE_LOG_ACTION,
  addDuration,
  type DutyAction,
  type DutyState,
  dueOf,
  dutiesOf,
  odrlAgreementOf,
  parseXsdDuration,
  type XsdDuration,
} from './duties.js'
export {
  type DeletionReceiptBody,
  type DutyAck,
  DutyEvidenceError,
  type DutyMessage,
  type DutyMessageBody,
  type DutyMessageVerification,
  signDutyMessage,
  type UsageNoticeBody,
  verifyDutyMessage,
} from './duties-messages.js'
export {
  DUTY_FULFILLED,
  DUTY_LOG,
  DUTY_VIOLATED,
  type DutyMessenger,
  type DutyRecord,
  DutyTracker,
  type DutyTrackerComponents,
  type DutyTrackerInit,
  type DutyView,
} from './duties-tracker.js'
export { AgreementNotUsableError, AgreementRevokedError, TransferStateError } from './errors.js'
export {
  endTransfersOnRevocation,
  type RevocableTransfers,
  type RevocationEvents,
  terminateTransfersUnder,
} from './revoked-transfers.js'
export {
  allowedTransferMoves,
  isPushFormat,
  isTerminalTransferState,
  TRANSFER_INITIAL,
  TRANSFER_MOVE_TARGETS,
  TRANSFER_MOVES,
  TRANSFER_STATES,
  TRANSFER_TABLE,
  TRANSFER_TRANSITIONS,
  type TransferFrom,
  type TransferMove,
  type TransferMoveMessage,
  type TransferRole,
  type TransferState,
  type TransferTransition,
  type TransferWork,
  transferWorkOf,
  transitionTransfer,
} from './transfer-machine.js'
export {
  type TransferComponents,
  type TransferInit,
  TransferManager,
  type TransferMessenger,
  type TransferRequest,
  type TransferRoute,
} from './transfer-manager.js'
export { DEFAULT_TRANSFER_FORMAT, type TransferProcessRecord, type TransferStep } from './transfer-record.js'
