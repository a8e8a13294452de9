import { allowedMoves, type StateTable, type Transition, transition } from '../process/index.js'
import {
  TRANSFER_STATES,
  type TransferCompletionMessage,
  type TransferRequestMessage,
  type TransferStartMessage,
  type TransferState,
  type TransferSuspensionMessage,
  type TransferTerminationMessage,
} from '../protocol/index.js'

export { TRANSFER_STATES, type TransferState }

/** Who sends a message: the consumer (receives data) or the provider (serves it). */
export type TransferRole = 'consumer' | 'provider'

/** The pseudo-state before a transfer process exists; only a `TransferRequestMessage` leaves it. */
export const TRANSFER_INITIAL = 'INITIAL'

/** A state a move can start from: a real state or {@link TRANSFER_INITIAL}. */
export type TransferFrom = TransferState | typeof TRANSFER_INITIAL

/** A move of the transfer process: the `@type` of the message that makes it. */
export type TransferMove =
  | 'TransferRequestMessage'
  | 'TransferStartMessage'
  | 'TransferSuspensionMessage'
  | 'TransferCompletionMessage'
  | 'TransferTerminationMessage'

/** A transfer message that moves the state (ACKs and errors are answers, not moves). */
export type TransferMoveMessage =
  | TransferRequestMessage
  | TransferStartMessage
  | TransferSuspensionMessage
  | TransferCompletionMessage
  | TransferTerminationMessage

/** The state each message leads to (DSP 2025-1, transfer process protocol, states). */
export const TRANSFER_MOVE_TARGETS: Readonly<Record<TransferMove, TransferState>> = {
  TransferRequestMessage: 'REQUESTED',
  TransferStartMessage: 'STARTED',
  TransferSuspensionMessage: 'SUSPENDED',
  TransferCompletionMessage: 'COMPLETED',
  TransferTerminationMessage: 'TERMINATED',
}

/** Every move, in the order of the protocol. */
export const TRANSFER_MOVES = Object.keys(TRANSFER_MOVE_TARGETS) as readonly TransferMove[]

/**
 * The DSP transfer state table (reference §1.4) per sender. Only the consumer requests; only the
 * provider makes the first start (it carries the pull `dataAddress`); from STARTED either side
 * completes, suspends or terminates; a SUSPENDED transfer is resumed by a `TransferStartMessage`
 * from either side (the consumer's goes to the provider's `/transfers/:providerPid/start`) or
 * terminated. COMPLETED and TERMINATED are final.
 */
export const TRANSFER_TRANSITIONS: Readonly<
  Record<TransferRole, Readonly<Record<TransferFrom, readonly TransferState[]>>>
> = {
  consumer: {
    INITIAL: ['REQUESTED'],
    REQUESTED: ['TERMINATED'],
    STARTED: ['SUSPENDED', 'COMPLETED', 'TERMINATED'],
    SUSPENDED: ['STARTED', 'TERMINATED'],
    COMPLETED: [],
    TERMINATED: [],
  },
  provider: {
    INITIAL: [],
    REQUESTED: ['STARTED', 'TERMINATED'],
    STARTED: ['SUSPENDED', 'COMPLETED', 'TERMINATED'],
    SUSPENDED: ['STARTED', 'TERMINATED'],
    COMPLETED: [],
    TERMINATED: [],
  },
}

/** The DSP transfer state machine as data, for the process skeleton. */
export const TRANSFER_TABLE: StateTable<TransferState, TransferMove> = {
  process: 'transfer',
  targets: TRANSFER_MOVE_TARGETS,
  transitions: TRANSFER_TRANSITIONS,
}

/** The outcome of {@link transitionTransfer}. */
export type TransferTransition = Transition<TransferState>

/** The moves `sender` may make from `from`, in protocol order. */
export function allowedTransferMoves(from: TransferFrom, sender: TransferRole): TransferMove[] {
  return allowedMoves(TRANSFER_TABLE, from, sender)
}

/** COMPLETED and TERMINATED: no move leaves them. */
export function isTerminalTransferState(state: TransferFrom): boolean {
  return state === 'COMPLETED' || state === 'TERMINATED'
}

/**
 * Applies one message to a transfer process's state: pure, changes nothing, throws nothing for
 * an illegal move; returns `ok: false` with an `IllegalTransitionError` for the binding to answer
 * (400 + `TransferError`). DSP asks providers to treat a repeated `TransferRequestMessage` with the
 * same `consumerPid` idempotently: such a redelivery is a `repeat`.
 *
 * @param current - the process's state; `undefined` or `INITIAL` when none exists yet
 * @param message - the received or outgoing message, or its `@type`
 * @param sender - who sent it
 *
 * @example
 * ```ts
 * const step = transitionTransfer('SUSPENDED', 'TransferStartMessage', 'consumer') // ok, STARTED
 * if (!step.ok) return toDspError(step.error, 'transfer', pids)
 * ```
 */
export function transitionTransfer(
  current: TransferFrom | undefined,
  message: TransferMoveMessage | TransferMove,
  sender: TransferRole,
): TransferTransition {
  return transition(TRANSFER_TABLE, current, typeof message === 'string' ? message : message['@type'], sender)
}

/**
 * The step a side owes in a transfer, as EDC's -ING states name them. Each is stored before it is
 * taken (the state that causes it, with any message in the outbox) and taken again after a
 * restart, so a crash between deciding and doing leaves no transfer stuck:
 * - `REQUESTING`: consumer, the request is stored and not yet acknowledged (no `providerPid`);
 * - `STARTING`: provider, a request waits for its start (the data address, the start message);
 * - `PULLING`: consumer, a started pull fetches the data (after a restart with a fresh token);
 * - `PUSHING`: provider, a started push delivers the data to the consumer's address;
 * - `COMPLETING`: either side, the totals (and the receipt, if any) are stored and the transfer is
 *   not yet COMPLETED.
 * Suspending and terminating need no work state of their own: the new state is stored with its
 * message in one batch, and the outbox delivers it.
 */
export type TransferWork = 'REQUESTING' | 'STARTING' | 'PULLING' | 'PUSHING' | 'COMPLETING'

/** The step this side owes in `transfer`, if any. */
export function transferWorkOf(transfer: {
  readonly role: TransferRole
  readonly state: TransferState
  readonly format: string
  readonly providerPid?: string
  readonly sha256?: string
}): TransferWork | undefined {
  const { role, state } = transfer
  if (state === 'REQUESTED') {
    if (role === 'provider') return 'STARTING'
    return transfer.providerPid === undefined ? 'REQUESTING' : undefined
  }
  if (state !== 'STARTED') return undefined
  if (transfer.sha256 !== undefined) return 'COMPLETING'
  if (role === 'consumer') return isPushFormat(transfer.format) ? undefined : 'PULLING'
  return isPushFormat(transfer.format) ? 'PUSHING' : undefined
}

/** A push (`HttpData-PUSH`, reference §1.4): the provider delivers to the consumer's own address. */
export function isPushFormat(format: string): boolean {
  return /-PUSH$/i.test(format)
}
