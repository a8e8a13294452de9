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

export { ContentDigest, readAhead, skipHashed } from './content-digest.js'
export {
  DATA_ACK_BYTES,
  DATA_CREDIT_BYTES,
  type DataAckFrame,
  type DataControlFrame,
  type DataEndFrame,
  type DataErrorFrame,
  type DataFrame,
  DataFrameDecoder,
  type DataHeaderFrame,
  type DataQuery,
  type DataReceiptFrame,
  type DataRequestFrame,
  encodeControl,
  FRAME_CONTROL,
  FRAME_DATA,
  FRAME_HEADER_BYTES,
  frameHeader,
  MAX_CONTROL_FRAME_BYTES,
  MAX_DATA_FRAME_BYTES,
  parseControl,
} from './data-plane-protocol.js'
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
export {
  AgreementNotUsableError,
  AgreementRevokedError,
  ContentMismatchError,
  DataAccessDeniedError,
  DataProtocolError,
  DataSourceFailedError,
  RangeNotSatisfiableError,
  RemoteDataError,
  TransferStateError,
} from './errors.js'
export { FileSink, fileLength } from './file-sink.js'
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
  HTTP_ENDPOINT_TYPE,
  LIBP2P_ENDPOINT_TYPE,
  type TransferProcessRecord,
  type TransferStep,
  tokenOf,
} from './transfer-record.js'
export {
  type DataCaller,
  type DataGrant,
  type DataPuller,
  type DataPusher,
  type PullTarget,
  type PushDelivery,
  type TransferComponents,
  type TransferInit,
  type TransferMessenger,
  type TransferRequest,
  type TransferRoute,
  TransferService,
} from './transfer-service.js'
export {
  AgreementPolicies,
  agreementPolicyOf,
  decideWith,
  type UsageDecision,
  type UsageFacts,
  usageWorld,
} from './usage-policy.js'
