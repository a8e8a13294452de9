/**
 * @packageDocumentation
 * Transfer processes: the DSP transfer state machine as data (who may start, suspend, complete
 * or terminate in which state) and a pure transition function; illegal moves come back as typed
 * errors.
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
export {
  AgreementPolicies,
  agreementPolicyOf,
  decideWith,
  type UsageDecision,
  type UsageFacts,
  usageWorld,
} from './data-plane/usage-policy.js'
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
export { type RevocableTransfers, terminateTransfersUnder } from './revoked-transfers.js'
export {
  allowedTransferMoves,
  isTerminalTransferState,
  TRANSFER_INITIAL,
  TRANSFER_MOVE_TARGETS,
  TRANSFER_MOVES,
  TRANSFER_STATES,
  TRANSFER_TRANSITIONS,
  type TransferFrom,
  type TransferMove,
  type TransferMoveMessage,
  type TransferRole,
  type TransferState,
  type TransferTransition,
  transitionTransfer,
} from './transfer-machine.js'
export {
  type AgreementUsage,
  DEFAULT_TRANSFER_FORMAT,
  type TransferProcessRecord,
  type TransferStep,
} from './transfer-record.js'
export {
  type TransferComponents,
  type TransferInit,
  type TransferMessenger,
  type TransferRequest,
  type TransferRoute,
  TransferService,
} from './transfer-service.js'
