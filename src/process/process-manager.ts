import type { AuditLog } from '../audit/index.js'
import type { Logger } from '../log/index.js'
import {
  isRemoteRefusal,
  NotFoundError,
  ProviderUnreachableError,
  UnknownProcessError,
} from '../protocol/index.js'
import type { BatchOp, Store, Sublevel } from '../store/index.js'
import { lastReason, type ProcessRoute, routeOf, type SteppedRecord, withStep } from './process-steps.js'
import { ProcessStore } from './process-store.js'
import { isFinal, localEnd, type ProcessRole, type StateTable, transition } from './state-table.js'

/** A DSP process as a node keeps it (a negotiation, a transfer), keyed by this side's own pid. */
export interface DspProcess<S extends string> extends SteppedRecord<S> {
  readonly id: string
  readonly role: ProcessRole
  readonly consumerPid: string
  readonly providerPid?: string
  /** DID of the other party. */
  readonly counterparty: string
  /** The other party's DSP HTTP address, for a peer reached over HTTPS. */
  readonly callbackAddress?: string
}

/** What sets one kind of DSP process apart: its state table, messages and records. */
export interface ProcessKind<R extends DspProcess<S>, S extends string, M extends string, Ack> {
  /** The sublevel of the records (kept as it was named when the data was first written). */
  readonly sublevel: string
  /** See {@link ProcessStoreInit.cachedRecords}. */
  readonly cachedRecords?: number
  /** A record's audit data beside its role, counterparty, state and reason. */
  readonly auditData: (record: R) => Record<string, unknown>
  /** The state table every move, local ones included, is checked against. */
  readonly table: StateTable<S, M>
  /** The step this side owes in a process (its work state), if any: `REQUESTING` waits for the ACK. */
  readonly workOf: (record: R) => string | undefined
  /** Makes the kind's termination message. */
  readonly terminationMessage: (fields: {
    providerPid: string
    consumerPid: string
    code?: string
    reason?: string[]
  }) => unknown
  /** The ACK that describes a record to the other party. */
  readonly ackOf: (record: R) => Ack
  /** Called once a final state is stored by this manager (the data plane lets go, say). */
  readonly afterEnd?: (record: R, why: string) => void
}

/** Sends a DSP message to a peer (by DID) and returns its answer; a binding implements it. */
export interface ProcessMessenger {
  send(peer: string, message: unknown, route?: ProcessRoute): Promise<unknown>
}

/** What a process manager needs of the node. */
export interface ProcessComponents {
  readonly store: Store
  readonly audit: AuditLog
  readonly log: Logger
  readonly clock: () => Date
  readonly messenger: ProcessMessenger
}

/** Attempts to deliver a message: 250 ms doubling up to 30 s between them, about three minutes in all. */
const DELIVERY_ATTEMPTS = 12

/**
 * The part negotiations and transfers share on top of the {@link ProcessStore}: records checked
 * against the kind's state table at every move, local ends included; messages stored with the step
 * that causes them; the peer's ACK of an opening request and its "I have ended it" taken in; a
 * message the peer refused or never took ends the process here; waiting for a state; the work each
 * side owes resumed after a restart.
 */
export class ProcessManager<R extends DspProcess<S>, S extends string, M extends string, Ack> {
  readonly processes: ProcessStore<R, ProcessRoute>
  /** consumer DID + consumerPid -> providerPid, so a repeated opening request is recognised. */
  private readonly requests: Sublevel<string>

  constructor(
    private readonly components: ProcessComponents,
    private readonly kind: ProcessKind<R, S, M, Ack>,
    maxDeliveryAttempts = DELIVERY_ATTEMPTS,
  ) {
    this.processes = new ProcessStore<R, ProcessRoute>({
      store: components.store,
      audit: components.audit,
      log: components.log,
      label: kind.table.process,
      sublevel: kind.sublevel,
      keyOf: (record) => record.id,
      ...(kind.cachedRecords === undefined ? {} : { cachedRecords: kind.cachedRecords }),
      auditOf: (record) => ({
        subject: record.id,
        data: {
          role: record.role,
          counterparty: record.counterparty,
          ...kind.auditData(record),
          state: record.state,
          ...lastReason(record.history),
        },
      }),
      delivery: {
        maxAttempts: maxDeliveryAttempts,
        send: (entry) => components.messenger.send(entry.peer, entry.message, entry.route),
        onDelivered: (entry, answer) => this.onDelivered(entry.processId, answer),
        isRefusal: isRemoteRefusal,
        giveUp: (id, code, reason, error) => this.withLock(id, () => this.giveUp(id, code, reason, error)),
      },
    })
    this.requests = components.store.sublevel<string>(`${kind.table.process}-requests`)
  }

  /**
   * The record of a process this side opens, or is asked to open, in the state the table's opening
   * `move` by the consumer leads to (an illegal opening is thrown); this side's pid is its id.
   */
  opening(
    move: M,
    process: { role: ProcessRole; consumerPid: string; providerPid?: string; counterparty: string },
  ): DspProcess<S> & { readonly created: string } {
    const step = transition(this.kind.table, undefined, move, 'consumer')
    if (!step.ok) throw step.error
    const now = this.now()
    return {
      id: process.role === 'provider' ? process.providerPid! : process.consumerPid,
      ...process,
      state: step.state,
      history: [{ state: step.state, at: now }],
      created: now,
      updated: now,
    }
  }

  /**
   * Provider: runs `work` for an opening request from `caller` under the lock of its consumerPid,
   * with the process an earlier delivery of the same request opened, if any (DSP: a repeated
   * request is answered idempotently). `work` stores a new process with {@link asked}'s op.
   */
  onOpening<T>(
    caller: string,
    consumerPid: string,
    work: (existing: R | undefined) => Promise<T>,
  ): Promise<T> {
    const key = `${caller} ${consumerPid}`
    return this.withLock(key, async () => {
      const existing = await this.requests.get(key)
      return work(existing === undefined ? undefined : await this.mustGet(existing))
    })
  }

  /** The batch op that remembers a provider's new process for its opening request (see {@link onOpening}). */
  asked(record: R): BatchOp {
    return {
      type: 'put',
      sublevel: this.requests,
      key: `${record.counterparty} ${record.consumerPid}`,
      value: record.id,
    }
  }

  /** Re-delivers what a previous run stored, then starts the work each process owes (`resumeWork`). */
  async start(resumeWork: (record: R) => void): Promise<void> {
    await this.processes.resume()
    for (const record of await this.processes.list()) resumeWork(record)
  }

  stop(): void {
    this.processes.stop()
  }

  get(id: string): Promise<R | undefined> {
    return this.processes.get(id)
  }

  list(): Promise<R[]> {
    return this.processes.list()
  }

  mustGet(id: string): Promise<R> {
    return this.processes.mustGet(id, () => this.missing(id))
  }

  /** Serialises everything that reads and writes one process. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.processes.withLock(key, work)
  }

  /** Resolves when the process reaches one of `states` or a final state, or as it is at the timeout. */
  waitFor(id: string, states: readonly S[], timeoutMs: number): Promise<R> {
    return this.processes.waitFor(
      id,
      (record) => states.includes(record.state) || this.isTerminal(record.state),
      timeoutMs,
      () => this.missing(id),
    )
  }

  /**
   * Stores a process's opening request (REQUESTING: the request in the same batch) and waits up
   * to `timeoutMs` for the peer's ACK; then returns the process as it is (see {@link ProcessStore.open}).
   */
  open(record: R, ops: readonly BatchOp[], data: Record<string, unknown>, timeoutMs: number): Promise<R> {
    return this.processes.open(record, `${this.kind.table.process}.requested`, ops, data, {
      pending: (r) => this.requesting(r),
      ended: (r) => r.state === 'TERMINATED',
      timeoutMs,
      missing: () => this.missing(record.id),
      unreachable: (cause) =>
        new ProviderUnreachableError(`the provider could not be reached: ${cause.message}`, { cause }),
    })
  }

  /** The ACK for a process the caller is party to (`GET …/:pid`); unknown to anyone else. */
  async describe(pid: string, caller: string): Promise<Ack> {
    const record = await this.processes.get(pid)
    if (record === undefined || record.counterparty !== caller)
      throw new UnknownProcessError(this.kind.table.process, pid)
    return this.kind.ackOf(record)
  }

  /**
   * Runs `work` on the process `pid` under its lock, for a message from `caller`, who must be its
   * counterparty; `work` gets the record and the role of the sender.
   */
  inbound<T>(pid: string, caller: string, work: (record: R, sender: ProcessRole) => Promise<T>): Promise<T> {
    return this.withLock(pid, async () => {
      const record = await this.processes.get(pid)
      if (record === undefined || record.counterparty !== caller)
        throw new UnknownProcessError(this.kind.table.process, pid)
      return work(record, record.role === 'provider' ? 'consumer' : 'provider')
    })
  }

  /**
   * The record after `move` by `by`, checked against the state table: a local move the table does
   * not allow is a fault of this node, thrown as the error it is.
   */
  move(record: R, move: M, by: ProcessRole, code?: string, reason?: string): R {
    const step = transition(this.kind.table, record.state, move, by)
    if (!step.ok) throw step.error
    return this.at(record, step.state, code, reason)
  }

  /** The record after a step to `state` the table allowed (state, history and time move together). */
  at(record: R, state: S, code?: string, reason?: string): R {
    return withStep(record, state, this.now(), code, reason)
  }

  /** The batch op of a message to the counterparty; without `message`, the termination `record` ended with. */
  send(
    record: R,
    message = this.terminationMessage(record),
    options: { maxAttempts?: number } = {},
  ): BatchOp[] {
    return [this.processes.message(record.id, record.counterparty, message, routeOf(record), options)]
  }

  /**
   * Ends a process on this side (TERMINATED with `code`; the table's local end), telling the
   * other party when `tell`; a process that has ended already stays as it is.
   */
  async end(record: R, code: string, reason: string, tell: boolean): Promise<R> {
    if (this.isTerminal(record.state)) return record
    const step = localEnd(this.kind.table, record.state, record.role)
    if (!step.ok) throw step.error
    const ended = this.at(record, step.state, code, reason)
    await this.processes.commit(ended, `${this.kind.table.process}.terminated`, tell ? this.send(ended) : [])
    this.kind.afterEnd?.(ended, reason)
    return ended
  }

  /** The termination message a record that ended sends: code and reason of its last step. */
  terminationMessage(record: R): Record<string, unknown> {
    const step = record.history.at(-1)
    return this.kind.terminationMessage({
      providerPid: record.providerPid ?? '',
      consumerPid: record.consumerPid,
      ...(step?.code === undefined ? {} : { code: step.code }),
      ...(step?.reason === undefined ? {} : { reason: [step.reason] }),
    }) as Record<string, unknown>
  }

  now(): string {
    return this.components.clock().toISOString()
  }

  /**
   * The counterparty acknowledged a message: for the opening request its ACK names its process id;
   * an ACK saying it has ended the process (it gave up on this node while it was down) ends it here too.
   */
  private async onDelivered(id: string, answer: unknown): Promise<void> {
    const ack = answer as { state?: unknown; providerPid?: unknown } | undefined
    await this.withLock(id, async () => {
      const record = await this.processes.get(id)
      if (record === undefined || this.isTerminal(record.state)) return
      if (ack?.state === 'TERMINATED') {
        await this.end(
          record,
          'PEER_TERMINATED',
          `the other party has ended the ${this.kind.table.process}`,
          false,
        )
        return
      }
      if (typeof ack?.providerPid !== 'string' || !this.requesting(record)) return
      await this.processes.commit(
        { ...record, providerPid: ack.providerPid },
        `${this.kind.table.process}.acknowledged`,
      )
    })
  }

  /**
   * The peer refused a message or never answered: the process ends on this side only. An opening
   * request that got no ACK ends as PROVIDER_REFUSED or PROVIDER_UNREACHABLE, and its waiting
   * caller gets the error.
   */
  private async giveUp(id: string, code: string, reason: string, error?: unknown): Promise<void> {
    const record = await this.processes.get(id)
    if (record === undefined || this.isTerminal(record.state)) return
    if (!this.requesting(record)) {
      await this.end(record, code, reason, false)
      return
    }
    const why = error instanceof Error ? error.message : reason
    const refused = code === 'PEER_REFUSED'
    await this.end(
      record,
      refused ? 'PROVIDER_REFUSED' : 'PROVIDER_UNREACHABLE',
      `the provider ${refused ? 'refused' : 'could not be reached'}: ${why}`,
      false,
    )
  }

  private isTerminal(state: S): boolean {
    return isFinal(this.kind.table, state)
  }

  private requesting(record: R): boolean {
    return this.kind.workOf(record) === 'REQUESTING'
  }

  private missing(id: string): NotFoundError {
    return new NotFoundError(`no ${this.kind.table.process} ${id} on this node`)
  }
}
