import { DSP_CONTEXT } from './context.js'
import { errorReply } from './error-table.js'
import { AllmendeError } from './errors.js'

/** One failing spot of a message, as reported by schema validation. */
export interface MessageIssue {
  /** JSON Pointer into the message (`/offer/permission/0`), `''` for the message itself. */
  readonly pointer: string
  /** The spot in words (`offer.permission[0]`, or `the message`). */
  readonly path: string
  /** What is wrong there (`must have required property 'action'`). */
  readonly problem: string
}

/** A DSP message is not valid against its DSP 2025-1 JSON Schema, has no known `@type`, or is not JSON. */
export class InvalidMessageError extends AllmendeError {
  static override name = 'InvalidMessageError'
  /** The spots that fail, most specific first; empty when the input was not JSON at all. */
  readonly issues: readonly MessageIssue[]

  constructor(message: string, options?: { cause?: unknown; issues?: readonly MessageIssue[] }) {
    super('ALLMENDE_INVALID_MESSAGE', message, options)
    this.issues = options?.issues ?? []
  }
}

/** A message or frame is larger than the limit (`MAX_MESSAGE_BYTES`); refused before it is buffered. */
export class MessageTooLargeError extends AllmendeError {
  static override name = 'MessageTooLargeError'
  readonly size: number
  readonly limit: number

  constructor(size: number, limit: number) {
    super(
      'ALLMENDE_MESSAGE_TOO_LARGE',
      `message of ${size} bytes exceeds the limit of ${limit} bytes; split the request or page the catalog`,
    )
    this.size = size
    this.limit = limit
  }
}

/** A libp2p frame is broken: a length prefix that is not a valid unsigned varint, or a truncated frame. */
export class InvalidFrameError extends AllmendeError {
  static override name = 'InvalidFrameError'
  constructor(message: string) {
    super('ALLMENDE_INVALID_FRAME', message)
  }
}

/** Which DSP state machine a transition belongs to. */
export type DspProcessKind = 'negotiation' | 'transfer'

/**
 * A message would move a negotiation or transfer along an edge the DSP state table does not have
 * (wrong state, or a sender that may not send it). Answered with 400 and a `*Error` body; the
 * process stays as it was.
 */
export class IllegalTransitionError extends AllmendeError {
  static override name = 'IllegalTransitionError'
  readonly process: DspProcessKind
  /** The state the process is in (`INITIAL` when none exists yet). */
  readonly from: string
  /** The move that was attempted: a message `@type` or an event type (`ACCEPTED`, `FINALIZED`). */
  readonly move: string
  readonly sender: 'consumer' | 'provider'

  constructor(init: {
    process: DspProcessKind
    from: string
    move: string
    sender: 'consumer' | 'provider'
    allowed: readonly string[]
  }) {
    const what = init.process === 'negotiation' ? 'contract negotiation' : 'transfer process'
    const where = init.from === 'INITIAL' ? `to open a ${what}` : `in a ${what} that is ${init.from}`
    const hint =
      init.allowed.length === 0
        ? `the ${init.sender} may send nothing ${init.from === 'INITIAL' ? 'to open it' : 'in this state'}`
        : `the ${init.sender} may send here: ${init.allowed.join(', ')}`
    super(
      'ALLMENDE_ILLEGAL_TRANSITION',
      `${init.move} from the ${init.sender} is not allowed ${where}; ${hint}`,
    )
    this.process = init.process
    this.from = init.from
    this.move = init.move
    this.sender = init.sender
  }
}

/**
 * No negotiation or transfer with this process id exists, or it is not the caller's. DSP answers
 * both with 404 so a stranger cannot probe which ids exist.
 */
export class UnknownProcessError extends AllmendeError {
  static override name = 'UnknownProcessError'
  readonly process: DspProcessKind
  readonly pid: string

  constructor(process: DspProcessKind, pid: string) {
    const what = process === 'negotiation' ? 'contract negotiation' : 'transfer process'
    super('ALLMENDE_UNKNOWN_PROCESS', `no ${what} ${pid} is known to this connector for the caller`)
    this.process = process
    this.pid = pid
  }
}

/** A request carries no valid credentials (missing or rejected `Authorization`). */
export class NotAuthenticatedError extends AllmendeError {
  static override name = 'NotAuthenticatedError'
  constructor(message: string) {
    super('ALLMENDE_NOT_AUTHENTICATED', message)
  }
}

/** The DSP protocol areas, each with its own error message type. */
export type DspArea = 'catalog' | 'negotiation' | 'transfer'

/** The DSP error message `@type` answered in each area. */
export const DSP_ERROR_TYPES = {
  catalog: 'CatalogError',
  negotiation: 'ContractNegotiationError',
  transfer: 'TransferError',
} as const satisfies Record<DspArea, string>

/** A DSP error body: `CatalogError`, `ContractNegotiationError` or `TransferError`. */
export interface DspErrorBody {
  readonly '@context': string[]
  readonly '@type': (typeof DSP_ERROR_TYPES)[DspArea]
  readonly providerPid?: string
  readonly consumerPid?: string
  readonly code: string
  readonly reason: string[]
}

/** What a binding answers for an error: HTTP status plus the DSP error body of the area. */
export interface DspErrorResponse {
  readonly status: number
  readonly body: DspErrorBody
}

/**
 * Maps any thrown value to the status and DSP error body both bindings send, by the one
 * {@link ERROR_TABLE}: an exposed code keeps its code and message; everything else becomes code
 * `ALLMENDE_INTERNAL` with a generic reason, so internals never reach a peer.
 * Negotiation and transfer errors need both pids (the schema requires them); pass `''` for one
 * not known yet (the initial request failed before a pid was assigned).
 *
 * @example
 * ```ts
 * const { status, body } = toDspError(err, 'negotiation', { providerPid, consumerPid })
 * ```
 */
export function toDspError(
  error: unknown,
  area: DspArea,
  pids: { providerPid?: string; consumerPid?: string } = {},
): DspErrorResponse {
  const { status, code, message } = errorReply(error)
  const base = { '@context': [DSP_CONTEXT], '@type': DSP_ERROR_TYPES[area], code, reason: [message] }
  if (area === 'catalog') return { status, body: base }
  return {
    status,
    body: { ...base, providerPid: pids.providerPid ?? '', consumerPid: pids.consumerPid ?? '' },
  }
}
