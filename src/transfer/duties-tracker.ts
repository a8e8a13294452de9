import { rm } from 'node:fs/promises'
import type { AuditLog } from '../audit/index.js'
import type { AgreementRecord } from '../contract/index.js'
import type { NodeKey } from '../identity/index.js'
import type { Clock } from '../lifecycle/index.js'
import type { Logger } from '../log/index.js'
import { ProcessStore } from '../process/index.js'
import { NotFoundError } from '../protocol/index.js'
import type { Store } from '../store/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'
import { type AgreementDuty, type DutyAction, type DutyState, dueOf, dutiesOf, moveDuty } from './duties.js'
import {
  type DutyAck,
  DutyEvidenceError,
  type DutyMessage,
  signDutyMessage,
  verifyDutyMessage,
} from './duties-messages.js'
import type { TransferProcessRecord } from './transfer-record.js'

/** Sends a signed duty message to the provider (by DID) and returns its acknowledgement; a binding implements it. */
export interface DutyMessenger {
  send(peer: string, message: DutyMessage): Promise<DutyAck>
}

export interface DutyTrackerComponents {
  readonly store: Store
  readonly audit: AuditLog
  readonly nodeKey: NodeKey
  readonly clock: Clock
  readonly log: Logger
  readonly messenger: DutyMessenger
  readonly agreements: { getAgreement(id: string): Promise<AgreementRecord | undefined> }
  readonly transfers: {
    get(id: string): Promise<TransferProcessRecord | undefined>
    list(): Promise<TransferProcessRecord[]>
  }
}

export interface DutyTrackerInit {
  /**
   * How long after its due time a duty is still fulfilled in time (delivery, clock skew). Default:
   * a tenth of the period, at least 2 s, at most 10 minutes.
   */
  readonly graceMs?: number
  /** First retry delay of an undelivered duty message (doubles up to a minute; default 1000). */
  readonly retryMs?: number
}

/** One duty for one use of the data (a completed transfer), on either side. */
export interface DutyRecord {
  readonly key: string
  readonly role: 'provider' | 'consumer'
  readonly agreementId: string
  readonly duty: string
  readonly action: DutyAction
  /** The provider's transfer process id (`providerPid`). */
  readonly transfer: string
  /** This node's transfer process id. */
  readonly localTransfer: string
  /** When the data was received (the transfer receipt's time): periods count from here. */
  readonly received: string
  readonly due?: string
  readonly state: DutyState
  /** Consumer, delete: the file to delete. */
  readonly out?: string
  readonly sha256?: string
  readonly bytes?: number
  /** Consumer: when it performed the duty (deleted, sent the notice, logged). */
  readonly performedAt?: string
  readonly fulfilledAt?: string
  readonly violatedAt?: string
  /** The signed receipt or notice (verified on the provider), or the audit entry of a log duty. */
  readonly evidence?: DutyMessage | { readonly auditSeq: number }
  /** Consumer: the signed message not yet acknowledged by the provider (the outbox delivers it). */
  readonly outgoing?: DutyMessage
  /** Consumer: when the provider acknowledged the message. */
  readonly acknowledged?: string
  /** Consumer: the provider refused the message (why). */
  readonly refused?: string
}

/** One duty as `GET /api/v1/agreements/:id/duties` shows it. */
export interface DutyView {
  readonly duty: string
  readonly action: DutyAction
  readonly state: DutyState
  /** The provider's transfer id; absent while no transfer under the agreement has completed. */
  readonly transfer?: string
  readonly due?: string
  readonly fulfilledAt?: string
  readonly violatedAt?: string
  readonly evidence?: DutyRecord['evidence']
  /** Provider: the evidence's signature was verified against the consumer's did:key on arrival. */
  readonly verified?: boolean
  /** Consumer: the provider acknowledged the receipt or notice. */
  readonly delivered?: boolean
}

/** Audit entry types of duties. */
export const DUTY_FULFILLED = 'duty.fulfilled'
export const DUTY_VIOLATED = 'duty.violated'
export const DUTY_LOG = 'duty.log'

const MAX_TIMER_MS = 2 ** 31 - 1
const MAX_RETRY_MS = 60_000

/**
 * Usage duties of agreements (delete after a period, inform, log), tracked per completed transfer
 * on both sides. The consumer deletes the received file when its period ends (due times are stored;
 * a restart re-arms them and runs past-due ones at once), sends a signed {@link DeletionReceipt}
 * and, for an inform duty, a signed usage notice; a log duty writes a `duty.log` audit entry per
 * use. The provider verifies what arrives against the consumer's did:key and marks the duty
 * fulfilled, or violated when its due time (plus grace) passes without evidence. Every state change
 * is stored with its audit entry in one batch; all times come from the injected clock.
 */
export class DutyTracker {
  private readonly processes: ProcessStore<DutyRecord>
  private timer?: NodeJS.Timeout
  private stopped = false

  constructor(
    private readonly components: DutyTrackerComponents,
    private readonly init: DutyTrackerInit = {},
  ) {
    this.processes = new ProcessStore<DutyRecord>({
      store: components.store,
      audit: components.audit,
      log: components.log,
      label: 'duty',
      sublevel: 'duties',
      keyOf: (record) => record.key,
      auditOf: (record) => ({
        subject: record.agreementId,
        data: {
          role: record.role,
          agreement: record.agreementId,
          duty: record.duty,
          action: record.action,
          transfer: record.transfer,
          state: record.state,
        },
      }),
      // Evidence must arrive some day: retried until the provider answers, backing off to a minute.
      delivery: {
        maxAttempts: Number.POSITIVE_INFINITY,
        retryDelayMs: (attempt) => Math.min(MAX_RETRY_MS, (init.retryMs ?? 1000) * 2 ** (attempt - 1)),
        send: (entry) => components.messenger.send(entry.peer, entry.message as unknown as DutyMessage),
        onDelivered: (entry, ack) => this.acknowledged(entry.processId, ack as DutyAck),
        isRefusal: (error) => (error as { code?: string }).code === 'ALLMENDE_REMOTE_ERROR',
        giveUp: (key, _code, reason) => this.refused(key, reason),
      },
    })
  }

  private get records() {
    return this.processes.records
  }

  /** Catches up on completions a crash left untracked, re-sends undelivered messages, runs what is due. */
  async start(): Promise<void> {
    this.stopped = false
    for (const transfer of await this.components.transfers.list()) {
      if (transfer.state === 'COMPLETED') await this.onTransferCompleted(transfer)
    }
    await this.processes.resume()
    await this.tick()
  }

  stop(): void {
    this.stopped = true
    this.processes.stop()
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  /**
   * A transfer of this node completed: track the duties of its agreement for this use. Idempotent
   * (a duty already tracked for the transfer is left as it is).
   */
  async onTransferCompleted(transfer: TransferProcessRecord): Promise<void> {
    const agreement = await this.components.agreements.getAgreement(transfer.agreementId)
    if (agreement === undefined) return
    let duties: AgreementDuty[]
    try {
      duties = dutiesOf(agreement)
    } catch (error) {
      this.components.log.warn(
        { agreement: agreement.id, err: (error as Error).message },
        'duties unreadable',
      )
      return
    }
    const providerTransfer =
      transfer.role === 'provider' ? transfer.id : (transfer.providerPid ?? transfer.id)
    for (const duty of duties) {
      await this.track(agreement, duty, transfer, providerTransfer)
    }
    if (transfer.role === 'consumer') await this.tick()
    else this.arm()
  }

  /** Provider: a signed duty message from `caller` (a DID). Throws {@link DutyEvidenceError} when it is not acceptable. */
  async handle(message: unknown, caller: string): Promise<DutyAck> {
    const check = verifyDutyMessage(message)
    if (!check.ok) throw new DutyEvidenceError(`the duty message is not valid: ${check.problem}`)
    const m = check.message
    if (m.consumer !== caller)
      throw new DutyEvidenceError(`the message is signed for ${m.consumer}, not by its sender`)
    if (m.provider !== this.components.nodeKey.did)
      throw new DutyEvidenceError('the message is for another provider')
    const agreement = await this.components.agreements.getAgreement(m.agreement)
    if (agreement === undefined || agreement.role !== 'provider' || agreement.consumer !== caller) {
      throw new NotFoundError(`no agreement ${m.agreement} with you on this node`)
    }
    const duty = dutiesOf(agreement).find((d) => d.id === m.duty)
    const expected: DutyAction = m.type === 'DeletionReceipt' ? 'delete' : 'inform'
    if (duty === undefined || duty.action !== expected) {
      throw new DutyEvidenceError(`agreement ${m.agreement} has no ${expected} duty ${m.duty}`)
    }
    const transfer = await this.components.transfers.get(m.transfer)
    if (
      transfer === undefined ||
      transfer.role !== 'provider' ||
      transfer.agreementId !== agreement.id ||
      transfer.counterparty !== caller ||
      transfer.state !== 'COMPLETED'
    ) {
      throw new DutyEvidenceError(
        `transfer ${m.transfer} is no completed transfer of yours under ${m.agreement}`,
      )
    }
    if (m.type === 'DeletionReceipt' && transfer.sha256 !== undefined && m.sha256 !== transfer.sha256) {
      throw new DutyEvidenceError(
        `the receipt names content ${m.sha256}, but transfer ${m.transfer} delivered ${transfer.sha256}`,
      )
    }
    await this.track(agreement, duty, transfer, transfer.id)
    const key = keyOf(agreement.id, duty.id, transfer.id)
    return this.withLock(key, async () => {
      const record = (await this.records.get(key))!
      // Repeats (an acknowledgement lost on the way back) change nothing.
      if (record.state === 'fulfilled' || record.evidence !== undefined) return ackOf(record)
      const performed = m.type === 'DeletionReceipt' ? m.deletedAt : m.time
      const limit = record.due === undefined ? undefined : Date.parse(record.due) + this.graceOf(record)
      const inTime = limit === undefined || Date.parse(performed) <= limit
      const now = this.now()
      if (!inTime) {
        // Evidence of a late performance: kept, the duty stays violated.
        const violated = moveDuty(record, 'violated', { violatedAt: record.violatedAt ?? now, evidence: m })
        await this.commit(violated, DUTY_VIOLATED, { late: true, performedAt: performed, evidence: m })
        return ackOf(violated)
      }
      const fulfilled = moveDuty(record, 'fulfilled', { fulfilledAt: now, evidence: m })
      await this.commit(fulfilled, DUTY_FULFILLED, {
        ...(record.state === 'violated' ? { afterViolation: true } : {}),
        performedAt: performed,
        evidence: m,
      })
      return ackOf(fulfilled)
    })
  }

  /**
   * The duties of an agreement this node holds (either role): one entry per duty and completed
   * transfer, or one `pending` entry per duty while no transfer has completed. Overdue duties are
   * marked violated first.
   */
  async list(agreementId: string): Promise<DutyView[]> {
    const agreement = await this.components.agreements.getAgreement(agreementId)
    if (agreement === undefined) throw new NotFoundError(`no agreement ${agreementId} on this node`)
    const duties = dutiesOf(agreement)
    await this.tick(agreementId)
    const records = await this.records.values({ gte: `${agreementId} `, lt: `${agreementId}!` }).all()
    const views: DutyView[] = []
    for (const duty of duties) {
      const own = records
        .filter((r) => r.duty === duty.id)
        .sort((a, b) => ordinalCompare(a.received, b.received))
      if (own.length === 0) views.push({ duty: duty.id, action: duty.action, state: 'pending' })
      for (const r of own) views.push(viewOf(r))
    }
    return views
  }

  /**
   * Runs what is due now (by the clock): the consumer deletes files whose period ended; duties past
   * their due time plus grace without evidence become violated. Then re-arms the timer.
   */
  async tick(agreementId?: string): Promise<void> {
    const now = this.components.clock().getTime()
    const range = agreementId === undefined ? {} : { gte: `${agreementId} `, lt: `${agreementId}!` }
    for (const record of await this.records.values(range).all()) {
      if (this.stopped) return
      if (deletionDue(record, now)) {
        await this.withLock(record.key, () => this.performDeletion(record.key)).catch((error: Error) =>
          this.components.log.error({ duty: record.key, err: error.message }, 'deletion failed; retrying'),
        )
      } else if (violationDue(record, now, this.graceOf(record))) {
        await this.withLock(record.key, async () => {
          const current = await this.records.get(record.key)
          if (
            current === undefined ||
            !violationDue(current, this.components.clock().getTime(), this.graceOf(current))
          )
            return
          await this.commit(moveDuty(current, 'violated', { violatedAt: this.now() }), DUTY_VIOLATED, {
            reason: `no evidence by ${current.due}`,
          })
        })
      }
    }
    if (agreementId === undefined) this.arm()
  }

  // ---- internals --------------------------------------------------------------------------------

  /** Stores the duty of one use, once; the consumer's inform and log duties are performed at once. */
  private async track(
    agreement: AgreementRecord,
    duty: AgreementDuty,
    transfer: TransferProcessRecord,
    providerTransfer: string,
  ): Promise<void> {
    const key = keyOf(agreement.id, duty.id, providerTransfer)
    await this.withLock(key, async () => {
      if ((await this.records.get(key)) !== undefined) return
      const received = transfer.receipt?.time ?? transfer.updated
      const due = dueOf(duty, new Date(received))
      const base: DutyRecord = {
        key,
        role: transfer.role,
        agreementId: agreement.id,
        duty: duty.id,
        action: duty.action,
        transfer: providerTransfer,
        localTransfer: transfer.id,
        received,
        ...(due === undefined ? {} : { due: due.toISOString() }),
        state: 'pending',
        ...(transfer.sha256 === undefined ? {} : { sha256: transfer.sha256 }),
        ...(transfer.bytes === undefined ? {} : { bytes: transfer.bytes }),
        ...(transfer.role === 'consumer' && duty.action === 'delete' && transfer.out !== undefined
          ? { out: transfer.out }
          : {}),
      }
      if (transfer.role === 'provider' || duty.action === 'delete') {
        await this.commit(base, 'duty.tracked', { due: base.due ?? null })
        return
      }
      const now = this.now()
      if (duty.action === 'log') {
        await this.processes.commitNamed(
          (seq) =>
            moveDuty(base, 'fulfilled', { performedAt: now, fulfilledAt: now, evidence: { auditSeq: seq } }),
          {
            type: DUTY_LOG,
            subject: transfer.id,
            data: {
              agreement: agreement.id,
              duty: duty.id,
              transfer: providerTransfer,
              bytes: transfer.bytes ?? null,
              sha256: transfer.sha256 ?? null,
              ...(agreement.purpose === undefined ? {} : { purpose: agreement.purpose }),
            },
          },
        )
        return
      }
      const notice = signDutyMessage(
        {
          type: 'UsageNotice',
          agreement: agreement.id,
          duty: duty.id,
          transfer: providerTransfer,
          bytes: transfer.bytes ?? 0,
          ...(agreement.purpose === undefined ? {} : { purpose: agreement.purpose }),
          time: now,
          consumer: this.components.nodeKey.did,
          provider: agreement.provider,
        },
        this.components.nodeKey,
      )
      await this.send({ ...base, performedAt: now }, notice, 'duty.notice', { notice })
    })
  }

  /** Consumer: delete the file, record the signed receipt (in time or not) and send it. */
  private async performDeletion(key: string): Promise<void> {
    const record = await this.records.get(key)
    if (record === undefined || !deletionDue(record, this.components.clock().getTime())) return
    let found = false
    if (record.out !== undefined) {
      try {
        await rm(record.out)
        found = true
      } catch (error) {
        // Already gone (deleted by hand, or before a crash): the duty's end state holds.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      }
    }
    const now = this.now()
    const agreement = await this.components.agreements.getAgreement(record.agreementId)
    const receipt = signDutyMessage(
      {
        type: 'DeletionReceipt',
        agreement: record.agreementId,
        duty: record.duty,
        transfer: record.transfer,
        sha256: record.sha256 ?? '0'.repeat(64),
        deletedAt: now,
        consumer: this.components.nodeKey.did,
        provider: agreement?.provider ?? '',
      },
      this.components.nodeKey,
    )
    const inTime =
      record.due === undefined || Date.parse(now) <= Date.parse(record.due) + this.graceOf(record)
    const updated = inTime
      ? moveDuty(record, 'fulfilled', { performedAt: now, evidence: receipt, fulfilledAt: now })
      : moveDuty(record, 'violated', {
          performedAt: now,
          evidence: receipt,
          violatedAt: record.violatedAt ?? now,
        })
    await this.send(updated, receipt, inTime ? 'duty.deleted' : DUTY_VIOLATED, {
      out: record.out ?? null,
      found,
      deletedAt: now,
      ...(inTime ? {} : { late: true }),
    })
  }

  /**
   * Consumer: stores the step together with its signed message in the outbox, which sends it until
   * the provider answers (also after a restart). A foreign provider (reached over DSP HTTP) speaks
   * no duty protocol: the evidence stays in this node's log.
   */
  private async send(
    record: DutyRecord,
    message: DutyMessage,
    type: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    const peer = message.provider
    if (!peer.startsWith('did:key:')) {
      const reason = `the provider ${peer} is not an Allmende peer; the evidence is kept in this node's log`
      await this.processes.commit(record, type, [], data)
      await this.processes.commit({ ...record, refused: reason }, 'duty.undeliverable', [], { reason })
      return
    }
    await this.processes.commit(
      { ...record, outgoing: message },
      type,
      [this.processes.message(record.key, peer, message as unknown as Record<string, unknown>)],
      data,
    )
  }

  /** Consumer: the provider acknowledged the message; an inform duty is fulfilled by it. */
  private async acknowledged(key: string, ack: DutyAck): Promise<void> {
    await this.processes.withLock(key, async () => {
      const current = await this.records.get(key)
      if (current?.outgoing === undefined) return
      const { outgoing: sent, ...rest } = current
      const now = this.now()
      const acknowledged: DutyRecord =
        current.action === 'inform' && current.state === 'pending' && ack.state === 'fulfilled'
          ? moveDuty(rest, 'fulfilled', { acknowledged: now, fulfilledAt: now, evidence: sent })
          : { ...rest, acknowledged: now }
      await this.processes.commit(acknowledged, 'duty.delivered', [], { providerState: ack.state })
    })
  }

  /** Consumer: the provider refused the message (why is kept). */
  private async refused(key: string, reason: string): Promise<void> {
    await this.processes.withLock(key, async () => {
      const current = await this.records.get(key)
      if (current === undefined) return
      const { outgoing: _refused, ...rest } = current
      await this.processes.commit({ ...rest, refused: reason }, 'duty.refused', [], { reason })
    })
  }

  /** One timer for the next thing due (capped: setTimeout cannot wait 30 days). */
  private arm(): void {
    if (this.stopped) return
    this.nextEvent()
      .then((next) => {
        if (this.stopped) return
        if (this.timer !== undefined) clearTimeout(this.timer)
        this.timer = undefined
        if (next === undefined) return
        // Still past due after a tick means the last attempt failed (e.g. a file not deletable): retry in 1 s.
        const wait = next - this.components.clock().getTime()
        const delay = wait <= 0 ? 1000 : wait + 5
        this.timer = setTimeout(
          () => {
            this.timer = undefined
            this.tick().catch((error: Error) => {
              if (!this.stopped) this.components.log.error({ err: error.message }, 'duty check failed')
            })
          },
          Math.min(MAX_TIMER_MS, delay),
        )
        this.timer.unref()
      })
      .catch((error: Error) => {
        if (!this.stopped) this.components.log.error({ err: error.message }, 'duty timer not armed')
      })
  }

  private async nextEvent(): Promise<number | undefined> {
    let next: number | undefined
    for await (const record of this.records.values()) {
      const at = eventOf(record, this.graceOf(record))
      if (at !== undefined && (next === undefined || at < next)) next = at
    }
    return next
  }

  private graceOf(record: DutyRecord): number {
    if (this.init.graceMs !== undefined) return this.init.graceMs
    if (record.due === undefined) return 0
    const period = Math.max(0, Date.parse(record.due) - Date.parse(record.received))
    return Math.min(600_000, Math.max(2_000, period / 10))
  }

  private commit(record: DutyRecord, type: string, data: Record<string, unknown>): Promise<void> {
    return this.processes.commit(record, type, [], data)
  }

  private now(): string {
    return this.components.clock().toISOString()
  }

  private withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.processes.withLock(key, work)
  }
}

function keyOf(agreementId: string, duty: string, transfer: string): string {
  return `${agreementId} ${duty} ${transfer}`
}

/** Consumer: a delete duty whose due time came and that was not yet performed. */
function deletionDue(record: DutyRecord, now: number): boolean {
  return (
    record.role === 'consumer' &&
    record.action === 'delete' &&
    record.performedAt === undefined &&
    record.due !== undefined &&
    Date.parse(record.due) <= now
  )
}

/** A timed duty still pending after its due time plus grace (a consumer's deletion runs instead). */
function violationDue(record: DutyRecord, now: number, graceMs: number): boolean {
  if (record.state !== 'pending' || record.due === undefined) return false
  if (record.role === 'consumer' && record.action === 'delete') return false
  return Date.parse(record.due) + graceMs < now
}

function eventOf(record: DutyRecord, graceMs: number): number | undefined {
  if (record.due === undefined) return undefined
  if (record.role === 'consumer' && record.action === 'delete') {
    return record.performedAt === undefined ? Date.parse(record.due) : undefined
  }
  return record.state === 'pending' ? Date.parse(record.due) + graceMs + 1 : undefined
}

function ackOf(record: DutyRecord): DutyAck {
  return {
    type: 'DutyAck',
    agreement: record.agreementId,
    duty: record.duty,
    transfer: record.transfer,
    state: record.state,
  }
}

function viewOf(r: DutyRecord): DutyView {
  const message = r.evidence !== undefined && 'signature' in r.evidence
  return {
    duty: r.duty,
    action: r.action,
    state: r.state,
    transfer: r.transfer,
    ...(r.due === undefined ? {} : { due: r.due }),
    ...(r.fulfilledAt === undefined ? {} : { fulfilledAt: r.fulfilledAt }),
    ...(r.violatedAt === undefined ? {} : { violatedAt: r.violatedAt }),
    ...(r.evidence === undefined ? {} : { evidence: r.evidence }),
    ...(r.role === 'provider' && message ? { verified: true } : {}),
    ...(r.role === 'consumer' && r.action !== 'log' ? { delivered: r.acknowledged !== undefined } : {}),
  }
}
