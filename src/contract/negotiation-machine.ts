import {
  allowedMoves,
  couldHaveReached,
  type StateTable,
  type Transition,
  transition,
} from '../process/index.js'
import {
  type ContractAgreementMessage,
  type ContractAgreementVerificationMessage,
  type ContractNegotiationEventMessage,
  type ContractNegotiationTerminationMessage,
  type ContractOfferMessage,
  type ContractRequestMessage,
  NEGOTIATION_STATES,
  type NegotiationState,
} from '../protocol/index.js'

export { NEGOTIATION_STATES, type NegotiationState }

/** Who sends a message: the consumer (asks for data) or the provider (holds it). */
export type NegotiationRole = 'consumer' | 'provider'

/** The pseudo-state before a negotiation exists; only an initial request or offer leaves it. */
export const NEGOTIATION_INITIAL = 'INITIAL'

/** A state a move can start from: a real state or {@link NEGOTIATION_INITIAL}. */
export type NegotiationFrom = NegotiationState | typeof NEGOTIATION_INITIAL

/**
 * A move of the negotiation: a message `@type`, or for `ContractNegotiationEventMessage` its
 * `eventType`. ACKs (`ContractNegotiation`) and errors are answers, not moves.
 */
export type NegotiationMove =
  | 'ContractRequestMessage'
  | 'ContractOfferMessage'
  | 'ACCEPTED'
  | 'ContractAgreementMessage'
  | 'ContractAgreementVerificationMessage'
  | 'FINALIZED'
  | 'ContractNegotiationTerminationMessage'

/** A negotiation message that moves the state. */
export type NegotiationMoveMessage =
  | ContractRequestMessage
  | ContractOfferMessage
  | ContractAgreementMessage
  | ContractAgreementVerificationMessage
  | ContractNegotiationEventMessage
  | ContractNegotiationTerminationMessage

/** The state each move leads to (DSP 2025-1, contract negotiation protocol, states). */
export const NEGOTIATION_MOVE_TARGETS: Readonly<Record<NegotiationMove, NegotiationState>> = {
  ContractRequestMessage: 'REQUESTED',
  ContractOfferMessage: 'OFFERED',
  ACCEPTED: 'ACCEPTED',
  ContractAgreementMessage: 'AGREED',
  ContractAgreementVerificationMessage: 'VERIFIED',
  FINALIZED: 'FINALIZED',
  ContractNegotiationTerminationMessage: 'TERMINATED',
}

/** Every move, in the order of the protocol. */
export const NEGOTIATION_MOVES = Object.keys(NEGOTIATION_MOVE_TARGETS) as readonly NegotiationMove[]

/**
 * The DSP state table (reference §1.3) per sender: from each state, the states that sender may
 * move the negotiation to. Together with {@link NEGOTIATION_MOVE_TARGETS} it says which message
 * from whom is legal where: a move is legal iff its target is listed for its sender and state.
 * Both parties run the same table: the provider checks the consumer's messages and its own.
 */
export const NEGOTIATION_TRANSITIONS: Readonly<
  Record<NegotiationRole, Readonly<Record<NegotiationFrom, readonly NegotiationState[]>>>
> = {
  consumer: {
    INITIAL: ['REQUESTED'],
    REQUESTED: ['TERMINATED'],
    OFFERED: ['REQUESTED', 'ACCEPTED', 'TERMINATED'],
    ACCEPTED: [],
    AGREED: ['VERIFIED', 'TERMINATED'],
    VERIFIED: [],
    FINALIZED: [],
    TERMINATED: [],
  },
  provider: {
    INITIAL: ['OFFERED'],
    REQUESTED: ['OFFERED', 'AGREED', 'TERMINATED'],
    OFFERED: ['TERMINATED'],
    ACCEPTED: ['AGREED', 'TERMINATED'],
    AGREED: [],
    VERIFIED: ['FINALIZED', 'TERMINATED'],
    FINALIZED: [],
    TERMINATED: [],
  },
}

/** The DSP negotiation state machine as data, for the process skeleton. */
export const NEGOTIATION_TABLE: StateTable<NegotiationState, NegotiationMove> = {
  process: 'negotiation',
  targets: NEGOTIATION_MOVE_TARGETS,
  transitions: NEGOTIATION_TRANSITIONS,
}

/** The outcome of {@link transitionNegotiation}. */
export type NegotiationTransition = Transition<NegotiationState>

/** The move a negotiation message makes (its `@type`, or the `eventType` of an event message). */
export function negotiationMoveOf(message: NegotiationMoveMessage): NegotiationMove {
  if (message['@type'] === 'ContractNegotiationEventMessage') return message.eventType
  return message['@type']
}

/** The moves `sender` may make from `from`, in protocol order. */
export function allowedNegotiationMoves(from: NegotiationFrom, sender: NegotiationRole): NegotiationMove[] {
  return allowedMoves(NEGOTIATION_TABLE, from, sender)
}

/** FINALIZED and TERMINATED: no move leaves them. */
export function isTerminalNegotiationState(state: NegotiationFrom): boolean {
  return state === 'FINALIZED' || state === 'TERMINATED'
}

/**
 * A move that led to a state the negotiation has passed since (not a termination): a redelivery
 * that arrives after the answer to it moved on, e.g. the consumer's verification retried after a
 * crash while the provider has finalized. It is answered with the current ACK and changes nothing.
 */
export function isLateRepeat(
  passed: readonly NegotiationState[],
  move: NegotiationMove,
  sender: NegotiationRole,
): boolean {
  const to = NEGOTIATION_MOVE_TARGETS[move]
  return to !== 'TERMINATED' && passed.includes(to) && couldHaveReached(NEGOTIATION_TABLE, to, sender)
}

/**
 * Applies one message to a negotiation's state: pure, changes nothing, throws nothing for an
 * illegal move (that is an expected input from a peer): it returns `ok: false` with an
 * `IllegalTransitionError` for the binding to answer (400 + `ContractNegotiationError`).
 *
 * @param current - the negotiation's state; `undefined` or `INITIAL` when none exists yet
 * @param message - the received or outgoing message, or its move
 * @param sender - who sent it
 *
 * @example
 * ```ts
 * const step = transitionNegotiation('OFFERED', { ...acceptedEvent }, 'consumer') // ok, ACCEPTED
 * if (!step.ok) return toDspError(step.error, 'negotiation', pids)
 * ```
 */
export function transitionNegotiation(
  current: NegotiationFrom | undefined,
  message: NegotiationMoveMessage | NegotiationMove,
  sender: NegotiationRole,
): NegotiationTransition {
  const move = typeof message === 'string' ? message : negotiationMoveOf(message)
  return transition(NEGOTIATION_TABLE, current, move, sender)
}

/**
 * The step a side owes in a negotiation, as EDC's -ING states name them. Each is stored before it
 * is taken (the state that causes it, with any message in the outbox) and taken again after a
 * restart, so a crash between deciding and doing leaves no negotiation stuck:
 * - `REQUESTING`: consumer, the request is stored and not yet acknowledged (no `providerPid`);
 * - `AGREEING`: provider, a request waits for the decision (unless a data officer must approve);
 * - `VERIFYING`: consumer, the agreement waits for its countersignature;
 * - `FINALIZING`: provider, the verification is stored and the agreement not yet final.
 */
export type NegotiationWork = 'REQUESTING' | 'AGREEING' | 'VERIFYING' | 'FINALIZING'

/** The step this side owes in `negotiation`, if any. */
export function negotiationWorkOf(negotiation: {
  readonly role: NegotiationRole
  readonly state: NegotiationState
  readonly providerPid?: string
  readonly awaitingApproval?: string
}): NegotiationWork | undefined {
  const { role, state } = negotiation
  if (role === 'consumer') {
    if (state === 'REQUESTED' && negotiation.providerPid === undefined) return 'REQUESTING'
    if (state === 'AGREED') return 'VERIFYING'
    return undefined
  }
  if (state === 'REQUESTED' && negotiation.awaitingApproval === undefined) return 'AGREEING'
  if (state === 'VERIFIED') return 'FINALIZING'
  return undefined
}
