import { randomUUID } from 'node:crypto'
import type { Logger } from '../log/index.js'
import type { BatchOp, Sublevel } from './store.js'

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
}

export interface OutboxInit<Route> {
  readonly log: Logger
  /** What the messages belong to, for logs ("negotiation", "transfer"). */
  readonly label: string
  readonly maxAttempts: number
  send(entry: OutboxEntry<Route>): Promise<unknown>
  /** Whether a send failure is the peer's refusal (final) rather than a transport failure (retried). */
  isRefusal(error: unknown): boolean
  /** Ends the process on this side: the peer refused, or never answered. */
  giveUp(processId: string, code: 'PEER_REFUSED' | 'PEER_UNREACHABLE', reason: string): Promise<void>
}

/**
 * Store before you send: a transition's outgoing message is an op of the transition's own batch
 * ({@link Outbox.entryOp}); after the commit it is delivered with backoff, and a restart
 * re-delivers whatever is still stored ({@link Outbox.resume}). Receivers are idempotent.
 */
export class Outbox<Route> {
  private readonly delivering = new Set<string>()
  private stopped = false

  constructor(
    private readonly entries: Sublevel<OutboxEntry<Route>>,
    private readonly init: OutboxInit<Route>,
  ) {}

  /** The batch op that stores a message for later delivery. */
  entryOp(processId: string, peer: string, message: Record<string, unknown>, route?: Route): BatchOp {
    const key = `${processId} ${Date.now().toString(36)} ${randomUUID()}`
    const entry: OutboxEntry<Route> = {
      key,
      processId,
      peer,
      message,
      ...(route === undefined ? {} : { route }),
    }
    return { type: 'put', sublevel: this.entries, key, value: entry }
  }

  /** Delivers the outbox entries among a committed batch's ops. */
  deliverCommitted(ops: readonly BatchOp[]): void {
    for (const op of ops) {
      if (op.type === 'put' && op.sublevel === this.entries) void this.deliver(op.value as OutboxEntry<Route>)
    }
  }

  /** Re-delivers everything a previous run stored but did not deliver. */
  async resume(): Promise<void> {
    for await (const entry of this.entries.values()) void this.deliver(entry)
  }

  stop(): void {
    this.stopped = true
  }

  private async deliver(entry: OutboxEntry<Route>): Promise<void> {
    if (this.delivering.has(entry.key)) return
    this.delivering.add(entry.key)
    const { log, label, maxAttempts } = this.init
    try {
      for (let attempt = 1; attempt <= maxAttempts && !this.stopped; attempt++) {
        try {
          await this.init.send(entry)
          await this.entries.del(entry.key)
          return
        } catch (error) {
          const refused = this.init.isRefusal(error)
          log.warn(
            { [label]: entry.processId, attempt, err: (error as Error).message },
            refused ? `peer refused a ${label} message` : `${label} message not delivered`,
          )
          if (refused) {
            await this.entries.del(entry.key)
            await this.init.giveUp(entry.processId, 'PEER_REFUSED', (error as Error).message)
            return
          }
          await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt))
        }
      }
      if (this.stopped) return
      await this.entries.del(entry.key)
      await this.init.giveUp(
        entry.processId,
        'PEER_UNREACHABLE',
        `the other party did not answer after ${maxAttempts} attempts`,
      )
    } finally {
      this.delivering.delete(entry.key)
    }
  }
}
