import type { NodeKey } from '../identity/index.js'
import { InvalidInputError } from '../protocol/errors.js'
import type { BatchOp, Store, Sublevel } from '../store/index.js'
import {
  type AuditEntry,
  type AuditHead,
  GENESIS_HASH,
  type SignedAuditHead,
  sealAuditEntry,
  signAuditHead,
} from './audit-entry.js'
import { toJsonValue } from './canonical-json.js'
import { AuditChainError } from './errors.js'

/** What an {@link AuditLog} needs from the node. */
export interface AuditLogComponents {
  readonly store: Store
  readonly nodeKey: NodeKey
  /** The node's clock; injected so tests and replays control time. */
  readonly clock: () => Date
}

export interface AuditLogInit {
  /** Sublevel holding entries and head; `audit` unless a test wants several logs in one store. */
  readonly sublevel?: string
}

/** One thing to record: what happened (`type`), to what (`subject`), and details (`data`, plain JSON). */
export interface AuditRecord {
  readonly type: string
  readonly subject: string
  readonly data?: unknown
}

/**
 * State writes to commit together with an entry: a list, or a function of the entry (to store its
 * `seq` or `hash` beside the state it justifies). Ops must target sublevels of the same store, and
 * not the audit sublevel.
 */
export type AuditExtraOps = readonly BatchOp[] | ((entry: AuditEntry) => readonly BatchOp[])

/** Which entries to read: after a `seq` (exclusive, a cursor), or at/after an ISO time; at most `limit`. */
export interface AuditQuery {
  readonly since?: number | string
  readonly limit?: number
}

/** What the management API serves for the audit log; see {@link AuditLog.page}. */
export interface AuditPage {
  readonly entries: AuditEntry[]
  /** Signed by the node once the log has an entry. */
  readonly head: AuditHead | SignedAuditHead
  readonly next?: number
}

/** Default sublevel of the audit log. */
export const AUDIT_SUBLEVEL = 'audit'
/** Key of the head record (`{seq, hash}`) inside the audit sublevel. */
export const AUDIT_HEAD_KEY = 'head'
const ENTRY_PREFIX = 'e:'
/** Just above every entry key (`;` follows `:`). */
const ENTRY_END = 'e;'
/** Iterator range of all entries in the audit sublevel, in chain order. */
export const AUDIT_ENTRY_RANGE = { gte: ENTRY_PREFIX, lt: ENTRY_END } as const

/** Key of entry `seq`: zero-padded so the sublevel's key order is the chain order. */
export function auditEntryKey(seq: number): string {
  return `${ENTRY_PREFIX}${String(seq).padStart(16, '0')}`
}

/** Most entries committed in one batch when records queue up. */
const MAX_GROUP = 256

/** A queued record: builds its entry on a given head, then hears how the batch went. */
interface PendingRecord {
  build(head: AuditHead): { entry: AuditEntry; ops: readonly BatchOp[] }
  resolve(entry: AuditEntry): void
  reject(error: unknown): void
}

/**
 * The one writer of a log sublevel, shared by every AuditLog over it, so there is one queue and one
 * head per chain. Records that queue up while a batch is being written go together into the next
 * batch (group commit): one level write for many entries, each still atomic with its own state ops.
 */
class ChainWriter {
  head: AuditHead | undefined
  private readonly pending: PendingRecord[] = []
  private draining = false

  constructor(
    private readonly store: Store,
    readonly sub: Sublevel<unknown>,
    private readonly nodeKey: NodeKey,
  ) {}

  submit(record: PendingRecord): void {
    this.pending.push(record)
    if (this.draining) return
    this.draining = true
    void this.drain()
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.commit(this.pending.splice(0, MAX_GROUP), true)
    } finally {
      this.draining = false
    }
  }

  /** Commits a group in one batch; never throws: each record is resolved or rejected. */
  private async commit(group: readonly PendingRecord[], splitOnFailure: boolean): Promise<void> {
    let head: AuditHead
    try {
      head = this.head ?? (await this.loadHead())
    } catch (error) {
      for (const record of group) record.reject(error)
      return
    }
    const built: { record: PendingRecord; entry: AuditEntry }[] = []
    const ops: BatchOp[] = []
    let next = head
    for (const record of group) {
      let entry: AuditEntry
      try {
        const result = record.build(next)
        this.checkOps(result.ops)
        entry = result.entry
        ops.push(...result.ops)
      } catch (error) {
        record.reject(error)
        continue
      }
      ops.push({ type: 'put', sublevel: this.sub, key: auditEntryKey(entry.seq), value: entry })
      built.push({ record, entry })
      next = { seq: entry.seq, hash: entry.hash }
    }
    if (built.length === 0) return
    ops.push({
      type: 'put',
      sublevel: this.sub,
      key: AUDIT_HEAD_KEY,
      value: signAuditHead(next, this.nodeKey),
    })
    try {
      await this.store.atomic(ops)
    } catch (error) {
      // The batch is all-or-nothing, but re-read the head next time rather than trust memory.
      this.head = undefined
      if (splitOnFailure && built.length > 1) {
        // One caller's bad op failed the whole group: retry one by one, so only that caller fails.
        for (const { record } of built) await this.commit([record], false)
      } else {
        for (const { record } of built) record.reject(error)
      }
      return
    }
    this.head = next
    for (const { record, entry } of built) record.resolve(entry)
  }

  private checkOps(ops: readonly BatchOp[]): void {
    const auditPrefix = (this.sub as unknown as { prefix: string }).prefix
    for (const op of ops) {
      const sub = op.sublevel as unknown as { db?: unknown; prefix?: string } | undefined
      // abstract-level writes an op of another database's sublevel to the root of this one, unprefixed.
      if (sub?.db !== this.store.db) {
        throw new TypeError(`batch op for key "${op.key}" targets a sublevel of another store`)
      }
      if (sub.prefix?.startsWith(auditPrefix)) {
        throw new TypeError(`batch op for key "${op.key}" writes into the audit log; only record() may`)
      }
    }
  }

  /** Reads the stored head and checks that it names the last stored entry. */
  private async loadHead(): Promise<AuditHead> {
    const stored = (await this.sub.get(AUDIT_HEAD_KEY)) as Partial<SignedAuditHead> | undefined
    const head: AuditHead =
      stored === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: stored.seq!, hash: stored.hash! }
    if (stored !== undefined) {
      const last = (await this.sub.get(auditEntryKey(head.seq))) as AuditEntry | undefined
      if (last?.hash !== head.hash) {
        throw new AuditChainError(
          `the audit log's head names entry ${head.seq} (${head.hash.slice(0, 12)}…), but that entry is ` +
            `${last === undefined ? 'missing' : 'different'}; run "allmende audit verify" to see the damage`,
        )
      }
    }
    const [after] = await this.sub.keys({ gt: auditEntryKey(head.seq), lt: ENTRY_END, limit: 1 }).all()
    if (after !== undefined) {
      throw new AuditChainError(
        `the audit log holds entries after its head (entry ${head.seq}); ` +
          'run "allmende audit verify" to see the damage',
      )
    }
    // A head written before heads were signed is signed now that it is known to match its chain.
    if (stored !== undefined && typeof stored.signature !== 'string') {
      await this.sub.put(AUDIT_HEAD_KEY, signAuditHead(head, this.nodeKey))
    }
    this.head = head
    return head
  }
}
const writers = new WeakMap<object, ChainWriter>()

/**
 * The node's tamper-evident audit log: a hash chain of entries, each signed by the node key, in one
 * sublevel of the node's store together with its head.
 *
 * {@link AuditLog.record} is the only way to write. Records go through one queue per log sublevel
 * (shared by every AuditLog over it): each entry is built on the current head, written together with
 * the new head and the caller's state ops in ONE `store.atomic` batch, and only then does the head
 * move. So a state change and its entry are stored together or not at all (docs/architecture.md, principle 6), a
 * failed batch leaves the chain as it was, and a restarted node continues from the stored head.
 */
export class AuditLog {
  private readonly nodeKey: NodeKey
  private readonly clock: () => Date
  private readonly sub: Sublevel<unknown>
  private readonly writer: ChainWriter

  constructor(components: AuditLogComponents, init: AuditLogInit = {}) {
    this.nodeKey = components.nodeKey
    this.clock = components.clock
    this.sub = components.store.sublevel(init.sublevel ?? AUDIT_SUBLEVEL)
    let writer = writers.get(this.sub)
    if (writer === undefined) {
      writer = new ChainWriter(components.store, this.sub, components.nodeKey)
      writers.set(this.sub, writer)
    }
    this.writer = writer
  }

  /**
   * Appends an entry and commits it atomically with `extraOps`; resolves with the stored entry.
   * Rejects, with nothing of this record written, if the data is not JSON, an op is invalid or the
   * batch fails. A function `extraOps` may be called more than once (a failed group is retried one
   * record at a time), so it must only build ops from the entry.
   */
  async record(record: AuditRecord, extraOps: AuditExtraOps = []): Promise<AuditEntry> {
    if (typeof record.type !== 'string' || record.type === '') {
      throw new InvalidInputError('an audit entry needs a non-empty "type"')
    }
    if (typeof record.subject !== 'string') {
      throw new InvalidInputError('an audit entry needs a "subject" string')
    }
    const { type, subject } = record
    const data = toJsonValue(record.data ?? null)
    return new Promise<AuditEntry>((resolve, reject) => {
      this.writer.submit({
        build: (head) => {
          const entry = sealAuditEntry(
            {
              seq: head.seq + 1,
              time: this.clock().toISOString(),
              type,
              subject,
              data,
              prev: head.hash,
              signer: this.nodeKey.did,
            },
            this.nodeKey,
          )
          return { entry, ops: typeof extraOps === 'function' ? extraOps(entry) : extraOps }
        },
        resolve,
        reject,
      })
    })
  }

  /** The last entry's `seq` and `hash` (`seq` 0 and the genesis hash while empty). */
  async head(): Promise<AuditHead> {
    if (this.writer.head !== undefined) return this.writer.head
    const stored = (await this.sub.get(AUDIT_HEAD_KEY)) as AuditHead | undefined
    return stored === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: stored.seq, hash: stored.hash }
  }

  /** The head as stored, with the node's signature (absent while the log is empty). */
  async signedHead(): Promise<SignedAuditHead | undefined> {
    return (await this.sub.get(AUDIT_HEAD_KEY)) as SignedAuditHead | undefined
  }

  /** Entry `seq`, or `undefined`. */
  async get(seq: number): Promise<AuditEntry | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 1) return undefined
    return (await this.sub.get(auditEntryKey(seq))) as AuditEntry | undefined
  }

  /** Entries in chain order, streamed from the store. */
  async *entries(query: AuditQuery = {}): AsyncGenerator<AuditEntry> {
    const { since, limit } = query
    if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 0)) {
      throw new InvalidInputError(`limit must be a non-negative integer, got ${String(limit)}`)
    }
    if (limit === 0) return
    if (since === undefined || typeof since === 'number') {
      if (since !== undefined && (!Number.isSafeInteger(since) || since < 0)) {
        throw new InvalidInputError(
          `since must be a sequence number (0 or more) or an ISO time, got ${since}`,
        )
      }
      const range = {
        gt: auditEntryKey(since ?? 0),
        lt: ENTRY_END,
        ...(limit === undefined ? {} : { limit }),
      }
      for await (const value of this.sub.values(range)) yield value as AuditEntry
      return
    }
    const ms = Date.parse(since)
    if (Number.isNaN(ms))
      throw new InvalidInputError(`since must be a sequence number or an ISO time, got "${since}"`)
    // Entry times come from toISOString, so they compare as strings; a clock may step back, so scan
    // everything rather than stop at the first entry before `since`.
    const from = new Date(ms).toISOString()
    let count = 0
    for await (const value of this.sub.values(AUDIT_ENTRY_RANGE)) {
      const entry = value as AuditEntry
      if (entry.time < from) continue
      yield entry
      if (++count === limit) return
    }
  }

  /**
   * One page for `GET /api/v1/audit?since=N&limit=L`: entries after `since`, the head, and `next`
   * (the `since` of the following page) when more entries may follow. `allmende audit verify` follows
   * `next` until it is absent.
   */
  async page(query: { since?: number; limit?: number } = {}): Promise<AuditPage> {
    // The signed head as stored, and no entry beyond it (one may be committed while this reads).
    const head = (await this.signedHead()) ?? { seq: 0, hash: GENESIS_HASH }
    const entries = (await this.list(query)).filter((entry) => entry.seq <= head.seq)
    const last = entries.at(-1)
    return query.limit !== undefined &&
      entries.length === query.limit &&
      last !== undefined &&
      last.seq < head.seq
      ? { entries, head, next: last.seq }
      : { entries, head }
  }

  /** {@link AuditLog.entries} as an array. */
  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const out: AuditEntry[] = []
    for await (const entry of this.entries(query)) out.push(entry)
    return out
  }
}
