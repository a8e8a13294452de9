import { type DspProcessKind, IllegalTransitionError } from '../protocol/index.js'

/** The two parties of a DSP process. */
export type ProcessRole = 'provider' | 'consumer'

/** The pseudo-state before a process exists; only its opening move leaves it. */
export const PROCESS_INITIAL = 'INITIAL'

/**
 * A DSP state machine as data: the state each move leads to, and per sender the states it may
 * move the process to from each state. A move is legal iff its target is listed for its sender
 * and state. Both parties run the same table: each checks the other's messages and its own.
 */
export interface StateTable<S extends string, M extends string> {
  readonly process: DspProcessKind
  readonly targets: Readonly<Record<M, S>>
  readonly transitions: Readonly<
    Record<ProcessRole, Readonly<Record<S | typeof PROCESS_INITIAL, readonly S[]>>>
  >
}

/** The outcome of {@link transition}. */
export type Transition<S extends string> =
  | {
      readonly ok: true
      readonly from: S | typeof PROCESS_INITIAL
      /** The state after the move. */
      readonly state: S
      /**
       * The move leads to the state the process is already in, and this sender could have made it:
       * a redelivery of the message that led here (a retry after a lost ACK). Store nothing;
       * answer with the current ACK if the message equals the stored one, else reject.
       */
      readonly repeat: boolean
    }
  | {
      readonly ok: false
      readonly from: S | typeof PROCESS_INITIAL
      /** Unchanged: the state before the attempted move. */
      readonly state: S | typeof PROCESS_INITIAL
      readonly error: IllegalTransitionError
    }

/** Every move of a table, in the order of the protocol. */
export function movesOf<S extends string, M extends string>(table: StateTable<S, M>): readonly M[] {
  return Object.keys(table.targets) as M[]
}

/** The moves `sender` may make from `from`, in protocol order. */
export function allowedMoves<S extends string, M extends string>(
  table: StateTable<S, M>,
  from: S | typeof PROCESS_INITIAL,
  sender: ProcessRole,
): M[] {
  const targets = table.transitions[sender][from]
  return movesOf(table).filter((move) => targets.includes(table.targets[move]))
}

/** A final state: no sender may move the process out of it. */
export function isFinal<S extends string, M extends string>(table: StateTable<S, M>, state: S): boolean {
  return table.transitions.consumer[state].length === 0 && table.transitions.provider[state].length === 0
}

/** Whether `sender` can ever move a process to `state`. */
export function couldHaveReached<S extends string, M extends string>(
  table: StateTable<S, M>,
  state: S,
  sender: ProcessRole,
): boolean {
  return Object.values<readonly S[]>(table.transitions[sender]).some((targets) => targets.includes(state))
}

/**
 * Applies one move to a process's state: pure, changes nothing, throws nothing for an illegal move
 * (that is an expected input from a peer): it returns `ok: false` with an `IllegalTransitionError`
 * for the binding to answer. Throws a `TypeError` only for something that is not a move.
 */
export function transition<S extends string, M extends string>(
  table: StateTable<S, M>,
  current: S | typeof PROCESS_INITIAL | undefined,
  move: M,
  sender: ProcessRole,
): Transition<S> {
  const from = current ?? PROCESS_INITIAL
  const to = table.targets[move]
  if (to === undefined) throw new TypeError(`${String(move)} is not a ${describe(table.process)} move`)
  if (table.transitions[sender][from].includes(to)) return { ok: true, from, state: to, repeat: false }
  if (to === from && couldHaveReached(table, to, sender)) return { ok: true, from, state: to, repeat: true }
  const error = new IllegalTransitionError({
    process: table.process,
    from,
    move,
    sender,
    allowed: allowedMoves(table, from, sender),
  })
  return { ok: false, from, state: from, error }
}

/**
 * The local end of a process as the table allows it: TERMINATED from every state that is not
 * final, stored by this side alone where the protocol gives it no move (the peer never answers or
 * has ended the process, a proof does not hold, the data cannot be fetched).
 */
export function localEnd<S extends string, M extends string>(
  table: StateTable<S, M>,
  from: S,
  by: ProcessRole,
): Transition<S> {
  // Both DSP state machines name their one way out of every open state TERMINATED.
  if (!isFinal(table, from)) return { ok: true, from, state: 'TERMINATED' as S, repeat: false }
  const error = new IllegalTransitionError({
    process: table.process,
    from,
    move: 'a local end',
    sender: by,
    allowed: [],
  })
  return { ok: false, from, state: from, error }
}

function describe(process: DspProcessKind): string {
  return process === 'negotiation' ? 'contract negotiation' : 'transfer process'
}
