import { EventEmitter } from 'node:events'
import type { AuditLog } from '../audit/index.js'
import type { Logger } from '../log/index.js'
import { AllmendeError } from '../protocol/index.js'
import {
  type BatchOp,
  KeyedLock,
  Outbox,
  type OutboxEntry,
  type OutboxInit,
  type Store,
  type Sublevel,
} from '../store/index.js'
import { crashPoint } from './crash-point.js'

/** How a kind of process is stored, audited and delivered. */
export interface ProcessStoreInit<R, Route> {
  readonly store: Store
  readonly audit: AuditLog
  readonly log: Logger
  /** What the processes are, for logs and sublevel names: `negotiation`, `transfer`, `duty`. */
  readonly label: string
  /** The sublevel of the records (kept as it was named when the data was first written). */
  readonly sublevel: string
  readonly keyOf: (record: R) => string
  /** The subject and data of a record's audit entry (the entry's type names the step). */
  readonly auditOf: (record: R) => { readonly subject: string; readonly data: Record<string, unknown> }
  /** Delivery of the messages the processes decide to send. */
  readonly delivery: DeliveryInit<Route>
  /**
   * How many recently stored records to keep in memory for {@link ProcessStore.get} (default 0:
   * every read goes to `level`). Only for kinds whose records are written through {@link ProcessStore.commit} alone.
   */
  readonly cachedRecords?: number
}

/** The outbox settings a process kind chooses (see {@link OutboxInit}). */
export type DeliveryInit<Route> = Omit<OutboxInit<Route>, 'log' | 'label'>

/** How a caller waits for the answer to a process's opening message (see {@link ProcessStore.open}). */
export interface OpeningWait<R> {
  /** Whether the process still waits for the answer. */
  readonly pending: (record: R) => boolean
  /** Whether the process has ended (then a failed delivery is the caller's error). */
  readonly ended: (record: R) => boolean
  readonly timeoutMs: number
  readonly missing: () => Error
  /** The caller's error for a failure that is not the peer's refusal (a broken connection). */
  readonly unreachable: (cause: Error) => Error
}

/**
 * The skeleton every long-running process of a node shares (negotiations, transfers, duties):
 * records in their own sublevel; one lock per process so its reads and writes never interleave;
 * each step stored with its audit entry and the messages it sends in one atomic batch (store
 * before you send), then delivered by the outbox, which re-delivers after a restart; and waiters
 * woken by every stored step.
 */
export class ProcessStore<R, Route = never> {
  readonly records: Sublevel<R>
  /** The batch op of a message this node sends for a process (store it with {@link commit}). */
  readonly message: Outbox<Route>['entryOp']
  private readonly outbox: Outbox<Route>
  private readonly locks = new KeyedLock()
  private readonly events = new EventEmitter()
  /**
   * Stored records as the JSON `level` holds, most recently stored last; set only after their batch
   * is stored. A read parses its own copy, exactly as a read from `level` would.
   */
  private readonly cache = new Map<string, string>()
  /** Processes whose opening message a caller waits on, with why its delivery failed, if it did. */
  private readonly openings = new Map<string, Error | undefined>()

  constructor(private readonly init: ProcessStoreInit<R, Route>) {
    this.records = init.store.sublevel<R>(init.sublevel)
    this.outbox = new Outbox(init.store.sublevel<OutboxEntry<Route>>(`${init.label}-outbox`), {
      ...init.delivery,
      giveUp: async (id, code, reason, error) => {
        if (this.openings.has(id) && error instanceof Error) this.openings.set(id, error)
        await init.delivery.giveUp(id, code, reason, error)
      },
      log: init.log,
      label: init.label,
    })
    this.message = this.outbox.entryOp.bind(this.outbox)
    this.events.setMaxListeners(0)
  }

  async get(id: string): Promise<R | undefined> {
    const cached = this.cache.get(id)
    if (cached !== undefined) return JSON.parse(cached) as R
    return this.records.get(id)
  }

  /** The record, or `missing()` thrown. */
  async mustGet(id: string, missing: () => Error): Promise<R> {
    const record = await this.get(id)
    if (record === undefined) throw missing()
    return record
  }

  async list(): Promise<R[]> {
    return this.records.values().all()
  }

  /** Runs `work` after every earlier work on the same key has settled. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(key, work)
  }

  /**
   * Stores a step: the record, its audit entry of type `type` (with `data` added) and `extra` ops
   * (messages to send, indexes) in one batch; then wakes waiters and delivers the messages.
   */
  async commit(record: R, type: string, extra: readonly BatchOp[] = [], data: Record<string, unknown> = {}) {
    const { subject, data: base } = this.init.auditOf(record)
    await this.store(() => record, { type, subject, data: { ...base, ...data } }, extra)
  }

  /**
   * Stores a step whose record names its own audit entry (a log duty's evidence is the entry), as
   * {@link commit} does: `recordOf` makes the record from the entry's sequence number; the entry's
   * subject and data are `entry`'s alone.
   */
  async commitNamed(
    recordOf: (seq: number) => R,
    entry: { type: string; subject: string; data: Record<string, unknown> },
  ): Promise<void> {
    await this.store(recordOf, entry, [])
  }

  /**
   * Stores a step whose audit entry is a piece of evidence exactly as it was signed (a receipt):
   * the entry's data is `evidence` alone, nothing of the record added.
   */
  async commitEvidence(record: R, type: string, evidence: Record<string, unknown>): Promise<void> {
    const { subject } = this.init.auditOf(record)
    await this.store(() => record, { type, subject, data: evidence }, [])
  }

  private async store(
    recordOf: (seq: number) => R,
    entry: { type: string; subject: string; data: Record<string, unknown> },
    extra: readonly BatchOp[],
  ): Promise<void> {
    let record: R | undefined
    await this.init.audit.record(entry, (sealed) => {
      record = recordOf(sealed.seq)
      return [{ type: 'put', sublevel: this.records, key: this.init.keyOf(record), value: record }, ...extra]
    })
    if (record === undefined) throw new Error('the audit log stored a step without its record')
    crashPoint(entry.type, this.init.auditOf(record).data.role)
    this.remember(record, extra)
    this.events.emit('changed', record)
    this.outbox.deliverCommitted(extra)
  }

  /** Keeps what a stored batch wrote into the records sublevel (the step's record among it). */
  private remember(record: R, extra: readonly BatchOp[]): void {
    const limit = this.init.cachedRecords ?? 0
    if (limit <= 0) return
    const written: Array<[string, unknown]> = [[this.init.keyOf(record), record]]
    for (const op of extra) {
      if (op.sublevel === this.records) written.push([op.key, op.type === 'put' ? op.value : undefined])
    }
    for (const [key, value] of written) {
      this.cache.delete(key)
      if (value !== undefined) this.cache.set(key, JSON.stringify(value))
    }
    while (this.cache.size > limit) this.cache.delete(this.cache.keys().next().value!)
  }

  /**
   * Stores a process's opening step (as {@link commit}, its opening message among `extra`) and
   * waits for the answer: until `wait.pending` no longer holds, at most `wait.timeoutMs`; returns
   * the record then. When the outbox gave up on the message meanwhile and the process ended,
   * rejects with why: the peer's refusal as it came, any other failure as `wait.unreachable` says.
   */
  async open(
    record: R,
    type: string,
    extra: readonly BatchOp[],
    data: Record<string, unknown>,
    wait: OpeningWait<R>,
  ): Promise<R> {
    const id = this.init.keyOf(record)
    this.openings.set(id, undefined)
    try {
      await this.commit(record, type, extra, data)
      const settled = await this.waitFor(id, (r) => !wait.pending(r), wait.timeoutMs, wait.missing)
      const failure = this.openings.get(id)
      if (failure === undefined || !wait.ended(settled)) return settled
      // A broken connection is not a fault of this node: the operator reads why, never "internal error".
      throw failure instanceof AllmendeError ? failure : wait.unreachable(failure)
    } finally {
      this.openings.delete(id)
    }
  }

  /** Calls `listener` with every record stored; returns the unsubscribe. */
  onChange(listener: (record: R) => void): () => void {
    this.events.on('changed', listener)
    return () => this.events.off('changed', listener)
  }

  /**
   * Resolves with the record once `done` holds for it, or with the record as it is after
   * `timeoutMs`; rejects with `missing()` when there is no such record.
   */
  async waitFor(
    id: string,
    done: (record: R) => boolean,
    timeoutMs: number,
    missing: () => Error,
  ): Promise<R> {
    const current = await this.mustGet(id, missing)
    if (done(current)) return current
    return new Promise((resolve, reject) => {
      const unsubscribe = this.onChange((record) => {
        if (this.init.keyOf(record) !== id || !done(record)) return
        cleanup()
        resolve(record)
      })
      const timer = setTimeout(() => {
        cleanup()
        this.mustGet(id, missing).then(resolve, reject)
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        unsubscribe()
      }
    })
  }

  /** Re-delivers what a previous run stored but did not deliver. */
  async resume(): Promise<void> {
    await this.outbox.resume()
  }

  stop(): void {
    this.outbox.stop()
    this.events.removeAllListeners()
    this.cache.clear()
  }
}
