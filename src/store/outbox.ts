import { randomUUID } from 'node:crypto'
import type { Logger } from '../log/index.js'
import type { BatchOp, Sublevel } from './store.js'

/** The longest wait between two attempts: a peer back from a restart is reached within it. */
const MAX_RETRY_DELAY_MS = 30_000

/** A message a process decided to send, stored in the same batch as the transition that caused it. */
export interface OutboxEntry<Route> {
  readonly key: string
  /** The negotiation or transfer the message belongs to. */
  readonly processId: string
  /** The receiving party's DID. */
  readonly peer: string
  readonly message: Record<string, unknown>
  /** How to reach a peer over another binding (absent for libp2p). */
  readonly route?: Route
  /**
   * Attempts for this message while the run that stored it goes on, fewer than the outbox's (an
   * initial request fails fast for its waiting caller); after a restart the outbox's count applies.
   */
  readonly maxAttempts?: number
}

export interface OutboxInit<Route> {
  readonly log: Logger
  /** What the messages belong to, for logs ("negotiation", "transfer"). */
  readonly label: string
  /** Attempts before giving up; `Infinity` keeps trying (evidence that must arrive some day). */
  readonly maxAttempts: number
  /** Wait before attempt `attempt + 1` (default 250 ms doubling, at most 30 s). */
  retryDelayMs?(attempt: number): number
  send(entry: OutboxEntry<Route>): Promise<unknown>
  /** The peer answered: store what the answer says; the entry is deleted only after this resolves. */
  onDelivered?(entry: OutboxEntry<Route>, answer: unknown): Promise<void>
  /** Whether a send failure is the peer's refusal (final) rather than a transport failure (retried). */
  isRefusal(error: unknown): boolean
  /** Ends the process on this side: the peer refused, or never answered. */
  giveUp(
    processId: string,
    code: 'PEER_REFUSED' | 'PEER_UNREACHABLE',
    reason: string,
    error?: unknown,
  ): Promise<void>
}

/**
 * Store before you send: a transition's outgoing message is an op of the transition's own batch
 * ({@link Outbox.entryOp}); after the commit it is delivered with backoff, and a restart
 * re-delivers whatever is still stored ({@link Outbox.resume}). Receivers are idempotent.
 */
export class Outbox<Route> {
  private readonly delivering = new Set<string>()
  /**
   * Per process, the delivery of the last message queued: a process's messages reach the peer in
   * the order they were stored, so an old message re-delivered after the peer's restart never
   * overtakes a newer one (a suspension retried after the resumption it preceded).
   */
  private readonly queues = new Map<string, Promise<void>>()
  private stopped = false
  /** Messages stored by this run, for the order of keys within one millisecond. */
  private stored = 0
  /** Delivered entries waiting to be deleted together, and when that is done. */
  private deleting: { readonly keys: string[]; readonly done: Promise<void> } | undefined

  constructor(
    private readonly entries: Sublevel<OutboxEntry<Route>>,
    private readonly init: OutboxInit<Route>,
  ) {}

  /** The batch op that stores a message for later delivery. */
  entryOp(
    processId: string,
    peer: string,
    message: Record<string, unknown>,
    route?: Route,
    options: { maxAttempts?: number } = {},
  ): BatchOp {
    // Time, then a counter: two messages stored in the same millisecond keep their order on resume.
    const sequence = (this.stored++).toString(36).padStart(8, '0')
    const key = `${processId} ${Date.now().toString(36)} ${sequence} ${randomUUID()}`
    const entry: OutboxEntry<Route> = {
      key,
      processId,
      peer,
      message,
      ...(route === undefined ? {} : { route }),
      ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    }
    return { type: 'put', sublevel: this.entries, key, value: entry }
  }

  /** Delivers the outbox entries among a committed batch's ops. */
  deliverCommitted(ops: readonly BatchOp[]): void {
    for (const op of ops) {
      if (op.type === 'put' && op.sublevel === this.entries) void this.enqueue(op.value as OutboxEntry<Route>)
    }
  }

  /** Re-delivers everything a previous run stored but did not deliver (also after {@link stop}). */
  async resume(): Promise<void> {
    this.stopped = false
    // Keys begin with the process id and the time stored: each process's messages come in order.
    for await (const entry of this.entries.values()) void this.enqueue(entry, this.init.maxAttempts)
  }

  stop(): void {
    this.stopped = true
  }

  /**
   * Deletes a delivered (or given up) entry together with the others of the same turn of the event
   * loop, in one batch. Until then a crash only means one more delivery, which receivers ignore.
   */
  private forget(key: string): Promise<void> {
    if (this.deleting === undefined) {
      const keys: string[] = []
      const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        this.deleting = undefined
        return this.entries.batch(keys.map((k) => ({ type: 'del' as const, key: k })))
      })
      this.deleting = { keys, done }
    }
    this.deleting.keys.push(key)
    return this.deleting.done
  }

  private delayAfter(attempt: number): number {
    return this.init.retryDelayMs?.(attempt) ?? Math.min(MAX_RETRY_DELAY_MS, 250 * 2 ** attempt)
  }

  /** Delivers `entry` after the messages its process stored before it (once, however often asked). */
  private enqueue(entry: OutboxEntry<Route>, maxAttempts?: number): Promise<void> {
    if (this.delivering.has(entry.key)) return Promise.resolve()
    this.delivering.add(entry.key)
    const previous = this.queues.get(entry.processId) ?? Promise.resolve()
    // Nobody awaits a delivery: a failure of its last step (e.g. ending the process while the node
    // stops) is logged here instead of becoming an unhandled rejection that ends the node.
    const settled = previous
      .then(() => this.deliver(entry, maxAttempts))
      .catch((error: unknown) => {
        this.init.log.error(
          { [this.init.label]: entry.processId, err: (error as Error).message },
          `${this.init.label} message delivery failed`,
        )
      })
    this.queues.set(entry.processId, settled)
    void settled.then(() => {
      if (this.queues.get(entry.processId) === settled) this.queues.delete(entry.processId)
    })
    return settled
  }

  private async deliver(
    entry: OutboxEntry<Route>,
    maxAttempts = Math.min(entry.maxAttempts ?? Infinity, this.init.maxAttempts),
  ): Promise<void> {
    const { log, label } = this.init
    let lastError: unknown
    try {
      for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
        try {
          const answer = await this.init.send(entry)
          await this.init.onDelivered?.(entry, answer)
          await this.forget(entry.key)
          return
        } catch (error) {
          lastError = error
          const refused = this.init.isRefusal(error)
          log.warn(
            { [label]: entry.processId, attempt, err: (error as Error).message },
            refused ? `peer refused a ${label} message` : `${label} message not delivered`,
          )
          if (refused) {
            await this.forget(entry.key)
            await this.init.giveUp(entry.processId, 'PEER_REFUSED', (error as Error).message, error)
            return
          }
          if (attempt < maxAttempts)
            await new Promise((resolve) => setTimeout(resolve, this.delayAfter(attempt)))
        }
      }
      if (this.stopped) return
      await this.forget(entry.key)
      const last = lastError instanceof Error ? ` (${lastError.message})` : ''
      await this.init.giveUp(
        entry.processId,
        'PEER_UNREACHABLE',
        `the other party did not answer after ${maxAttempts} attempt${maxAttempts === 1 ? '' : 's'}${last}`,
        lastError,
      )
    } finally {
      this.delivering.delete(entry.key)
    }
  }
}
