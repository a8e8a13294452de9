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
