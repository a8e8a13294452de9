import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute } from 'node:path'
import { type AuditLog, receiptBody, TRANSFER_COMPLETED, TRANSFER_RECEIPT } from '../audit/index.js'
import type { AgreementRecord } from '../contract/index.js'
import type { NodeKey } from '../identity/index.js'
import type { Logger } from '../log/index.js'
import { ProcessManager, routeOf } from '../process/index.js'
import {
  createTransferCompletionMessage,
  createTransferProcess,
  createTransferRequestMessage,
  createTransferStartMessage,
  createTransferSuspensionMessage,
  createTransferTerminationMessage,
  type DspBinding,
  type DspMessage,
  InvalidInputError,
  InvalidMessageError,
  isRemoteRefusal,
  type PeerAddressing,
  type TransferProcess,
  type TransferState,
} from '../protocol/index.js'
import type { BatchOp, Store } from '../store/index.js'
import type { DataFlowSignals, DataFlows, FlowCompleted, FlowFailed } from './data-plane/data-flows.js'
import { DataAccessDeniedError, DeliveryUnderWayError } from './data-plane/errors.js'
import { AgreementNotUsableError, AgreementRevokedError, TransferStateError } from './errors.js'
import {
  isPushFormat,
  isTerminalTransferState,
  TRANSFER_TABLE,
  type TransferMove,
  type TransferRole,
  transferWorkOf,
  transitionTransfer,
} from './transfer-machine.js'
import { DEFAULT_TRANSFER_FORMAT, type TransferProcessRecord } from './transfer-record.js'

/** Sends a transfer message to a peer (by DID) and returns its answer; a binding implements it. */
export interface TransferMessenger {
  send(peer: string, message: unknown, route?: TransferRoute): Promise<DspMessage>
}

/** Where a message for a peer reached over DSP HTTP goes: its callback and the receiving role. */
export interface TransferRoute {
  readonly callbackAddress: string
  readonly recipient: TransferRole
}

export interface TransferComponents {
  readonly store: Store
  readonly audit: AuditLog
  readonly nodeKey: NodeKey
  readonly clock: () => Date
  readonly log: Logger
  readonly messenger: TransferMessenger
  /** The data plane this manager drives (start, suspend, terminate) and hears from (completed, failed). */
  readonly dataPlane: DataFlows
  /** FINALIZED agreements of this node (provider and consumer side). */
  readonly agreements: { getAgreement(id: string): Promise<AgreementRecord | undefined> }
  /** Whether the provider revoked an agreement it issued. */
  readonly isRevoked: (agreement: AgreementRecord) => Promise<boolean>
  /**
   * Consumer: the provider's DSP address when the agreement was negotiated over DSP HTTP (the
   * transfer then goes there too); undefined for a libp2p peer.
   */
  readonly providerAddress?: (agreement: AgreementRecord) => Promise<string | undefined>
}

export interface TransferInit {
  /** Delivery attempts of a DSP message before the transfer is ended locally (default 12, about three minutes). */
  readonly maxDeliveryAttempts?: number
  /** Pull attempts after transport failures before the transfer is ended locally (default 12, about three minutes). */
  readonly maxPullAttempts?: number
  /**
   * Which binding reaches a peer, and this node's own address on it (the dispatcher knows both);
   * without it every peer is a libp2p peer.
   */
  readonly addressing?: PeerAddressing
}

/** The consumer's request: which agreement, where to write, and whether to keep what the file holds. */
export interface TransferRequest {
  readonly agreementId: string
  /** Absolute path of the output file. */
  readonly out: string
  /** Continue into the existing file after its current length instead of starting it afresh. */
  readonly resume?: boolean
  readonly format?: string
}

/** The `format` asked of a provider reached over DSP HTTP (reference §1.2: a Distribution format). */
const HTTP_PULL_FORMAT = 'HttpData-PULL'
/** Attempts to deliver a message: 250 ms doubling up to 30 s between them, about three minutes in all. */
const DELIVERY_ATTEMPTS = 12
/** How long the caller of a transfer request waits for the provider's ACK before it gets the REQUESTED transfer. */
const REQUEST_WAIT_MS = 20_000
/** The longest pause between two pull attempts. */
const MAX_PULL_PAUSE_MS = 30_000

/** The transfers of this node on the process skeleton. */
type Transfers = ProcessManager<TransferProcessRecord, TransferState, TransferMove, TransferProcess>

/**
 * The control plane of transfers, both roles (DSP 2025-1 transfer process protocol over any
 * binding): the process manager. Every move, inbound or local, goes through the transition table
 * and is stored with its audit entry and the message it causes in one atomic batch on the process
 * skeleton, then sent by the outbox, which re-delivers after a restart; the step a side owes (its
 * work state, {@link transferWorkOf}) is taken again after a restart. It drives the data plane
 * through {@link DataFlows} and hears back through {@link DataFlowSignals}; it never touches a
 * token, a file or a byte of content.
 */
export class TransferManager implements DataFlowSignals {
  private readonly manager: Transfers
  private readonly processes: Transfers['processes']
  private readonly completions = new EventEmitter()
  /** Consumer: pull attempts that failed in a row, per transfer. */
  private readonly pullFailures = new Map<string, number>()
  private stopped = false

  constructor(
    private readonly components: TransferComponents,
    private readonly init: TransferInit = {},
  ) {
    this.manager = new ProcessManager(
      components,
      {
        sublevel: 'transfers',
        auditData: (transfer) => ({ agreement: transfer.agreementId }),
        table: TRANSFER_TABLE,
        workOf: transferWorkOf,
        terminationMessage: createTransferTerminationMessage,
        ackOf,
        afterEnd: (transfer, why) => this.afterEnd(transfer, why),
      },
      init.maxDeliveryAttempts,
    )
    this.processes = this.manager.processes
    this.completions.setMaxListeners(0)
    components.dataPlane.connect(this.processes, this)
  }

  /**
   * Re-drives what a previous run stored but could not finish: undelivered messages (a request not
   * yet acknowledged among them) and the step this side owes in every transfer.
   */
  async start(): Promise<void> {
    this.stopped = false
    await this.manager.start((transfer) => this.resumeWork(transfer))
  }

  stop(): void {
    this.stopped = true
    this.manager.stop()
    this.components.dataPlane.stop()
    this.completions.removeAllListeners()
  }

  /** Called after each transfer of this node reaches COMPLETED (either role), e.g. to track its duties. */
  onCompleted(listener: (transfer: TransferProcessRecord) => void): void {
    this.completions.on('completed', listener)
  }

  /** Starts the step this side owes in a transfer's work state (see {@link transferWorkOf}). */
  private resumeWork(transfer: TransferProcessRecord): void {
    const fail = (err: Error) =>
      this.components.log.error({ err, transfer: transfer.id }, 'transfer step failed')
    switch (transferWorkOf(transfer)) {
      case 'STARTING':
        this.startAsProvider(transfer.id).catch(fail)
        return
      case 'PUSHING':
        this.components.dataPlane.start(transfer.id)
        return
      case 'PULLING':
        // A token from before the restart may be spent or expired: ask for a fresh one.
        void this.refresh(transfer.id)
        return
      case 'COMPLETING':
        this.withLock(transfer.id, () => this.complete(transfer.id)).catch(fail)
        return
      default:
        // REQUESTING is the outbox's: the stored request is re-delivered by resume().
        return
    }
  }

  // ---- consumer API ------------------------------------------------------------------------

  /** Requests a transfer under a FINALIZED agreement this node holds as consumer. */
  async request(request: TransferRequest): Promise<TransferProcessRecord> {
    if (!isAbsolute(request.out))
      throw new InvalidInputError(`the output path must be absolute: ${request.out}`)
    const agreement = await this.components.agreements.getAgreement(request.agreementId)
    if (agreement === undefined || agreement.role !== 'consumer') {
      throw new AgreementNotUsableError(
        `this node holds no finalized agreement ${request.agreementId} as consumer; negotiate one first`,
      )
    }
    // An agreement negotiated over DSP HTTP is transferred there too: the provider calls back here.
    const providerAddress = await this.components.providerAddress?.(agreement)
    const overHttp = this.bindingOf(providerAddress) === 'http'
    if (overHttp && this.ownAddress('http') === undefined) {
      throw new TransferStateError(
        `agreement ${agreement.id} was negotiated over DSP HTTP; start this node with --dsp-port so the provider can reach it`,
      )
    }
    // A fresh transfer starts an empty file; a resumed one keeps what the file holds.
    try {
      await mkdir(dirname(request.out), { recursive: true })
      if (request.resume !== true) await writeFile(request.out, '')
    } catch (cause) {
      throw new InvalidInputError(
        `cannot write the output file ${request.out}: ${(cause as Error).message}`,
        { cause },
      )
    }
    const transfer: TransferProcessRecord = {
      ...this.manager.opening('TransferRequestMessage', {
        role: 'consumer',
        consumerPid: `urn:uuid:${randomUUID()}`,
        counterparty: agreement.provider,
      }),
      agreementId: agreement.id,
      datasetId: agreement.datasetId,
      format: request.format ?? (overHttp ? HTTP_PULL_FORMAT : DEFAULT_TRANSFER_FORMAT),
      ...(overHttp ? { callbackAddress: providerAddress } : {}),
      out: request.out,
    }
    // REQUESTING: stored with the request in one batch; the provider's ACK completes it. The
    // outbox tries for about three minutes (a provider that restarts meanwhile still gets it); the
    // caller waits for the ACK a while, then gets the transfer as it is.
    return this.manager.open(
      transfer,
      this.send(transfer, this.requestMessage(transfer)),
      { out: request.out },
      REQUEST_WAIT_MS,
    )
  }

  /** Suspends a started transfer (either role); the running pull or stream stops, the file stays. */
  async suspend(id: string, reason?: string): Promise<TransferProcessRecord> {
    return this.localMove(id, 'TransferSuspensionMessage', reason)
  }

  /** Resumes a suspended transfer (either role); the consumer continues after its file's length. */
  async resume(id: string): Promise<TransferProcessRecord> {
    return this.localMove(id, 'TransferStartMessage')
  }

  /** Terminates a transfer (either role). */
  async terminate(id: string, reason?: string): Promise<TransferProcessRecord> {
    return this.localMove(id, 'TransferTerminationMessage', reason)
  }

  /** Resolves when the transfer reaches one of `states` or a terminal state, or at the timeout. */
  async waitFor(
    id: string,
    states: readonly TransferState[],
    timeoutMs: number,
  ): Promise<TransferProcessRecord> {
    return this.manager.waitFor(id, states, timeoutMs)
  }

  // ---- queries -----------------------------------------------------------------------------

  async get(id: string): Promise<TransferProcessRecord | undefined> {
    return this.processes.get(id)
  }

  /** The ACK for a transfer the caller is party to (`GET /transfers/:pid`); 404 otherwise. */
  async describe(pid: string, caller: string): Promise<TransferProcess> {
    return this.manager.describe(pid, caller)
  }

  async list(): Promise<TransferProcessRecord[]> {
    return this.processes.list()
  }

  /** Consumer: bytes held of a running pull (from byte 0), or undefined when none runs. */
  received(id: string): number | undefined {
    return this.components.dataPlane.received(id)
  }

  // ---- protocol: messages from the counterparty ---------------------------------------------

  /** Handles one inbound transfer message from `caller` (a DID) and returns the ACK. */
  async handle(message: DspMessage, caller: string): Promise<TransferProcess> {
    switch (message['@type']) {
      case 'TransferRequestMessage':
        return this.onRequest(message, caller)
      case 'TransferStartMessage':
      case 'TransferSuspensionMessage':
      case 'TransferCompletionMessage':
      case 'TransferTerminationMessage':
        return this.onMove(message, caller)
      default:
        throw new InvalidMessageError(`${message['@type']} is not a transfer process message`)
    }
  }

  private async onRequest(
    message: Extract<DspMessage, { '@type': 'TransferRequestMessage' }>,
    caller: string,
  ): Promise<TransferProcess> {
    return this.manager.onOpening(caller, message.consumerPid, async (existing) => {
      if (existing !== undefined) {
        // DSP: a repeated request is answered idempotently; a started pull gets a fresh token.
        if (existing.agreementId !== message.agreementId) {
          throw new InvalidMessageError(
            `consumerPid ${message.consumerPid} already names a transfer under another agreement`,
          )
        }
        if (existing.state === 'STARTED') await this.reissue(existing.id)
        return ackOf(await this.mustGet(existing.id))
      }
      const opening = this.manager.opening(message['@type'], {
        role: 'provider',
        consumerPid: message.consumerPid,
        providerPid: `urn:uuid:${randomUUID()}`,
        counterparty: caller,
      })
      // A push (reference §1.4) carries where the consumer wants the data: kept as its dataAddress.
      // A pull carries none. Judged here, so both bindings refuse alike.
      const push = isPushFormat(message.format)
      if (
        push ? !this.components.dataPlane.delivers(message.dataAddress) : message.dataAddress !== undefined
      ) {
        throw new InvalidMessageError(
          !push
            ? `a dataAddress goes with format HttpData-PUSH; a pull (${message.format}) carries none`
            : message.dataAddress === undefined
              ? `a ${message.format} request must carry the consumer's dataAddress`
              : `this provider cannot push to that dataAddress (an http(s) endpoint); request format HttpData-PULL (not ${message.format})`,
        )
      }
      const agreement = await this.components.agreements.getAgreement(message.agreementId)
      if (agreement === undefined || agreement.role !== 'provider' || agreement.consumer !== caller) {
        throw new AgreementNotUsableError(
          `no finalized agreement ${message.agreementId} with ${caller} on this node`,
        )
      }
      if (await this.components.isRevoked(agreement)) throw new AgreementRevokedError(agreement.id)
      const transfer: TransferProcessRecord = {
        ...opening,
        agreementId: agreement.id,
        datasetId: agreement.datasetId,
        format: message.format,
        ...(this.bindingOf(message.callbackAddress) === 'http'
          ? { callbackAddress: message.callbackAddress }
          : {}),
        ...(push ? { dataAddress: message.dataAddress } : {}),
      }
      // STARTING: stored with the index; the start follows the ACK, or a restart.
      await this.processes.commit(transfer, 'transfer.requested', [this.manager.asked(transfer)])
      this.startAsProvider(transfer.id).catch((err: Error) =>
        this.components.log.error({ err, transfer: transfer.id }, 'transfer start failed'),
      )
      return ackOf(transfer)
    })
  }

  /**
   * Provider: a repeated request of a started transfer gets a fresh token to resume its pull, as
   * long as its grant is not used up and its agreement stands; otherwise the transfer ends (the
   * consumer learns why): no token opens the data twice.
   */
  private async reissue(id: string): Promise<void> {
    // Its whole content went out and the receipt is on the way: answer once that stream ended
    // (the transfer completed, or its grant is used up), never with a token that crossed it.
    await this.components.dataPlane.deliveryUnderWay(id)
    await this.withLock(id, async () => {
      const current = await this.mustGet(id)
      // A receipt stored before a restart: the transfer completes instead (nothing to pull).
      if (transferWorkOf(current) === 'COMPLETING') return this.complete(id)
      if (current.state !== 'STARTED' || isPushFormat(current.format)) return
      const start = await this.startMessageOrEnd(current)
      if (start !== undefined)
        await this.processes.commit(current, 'transfer.token', this.send(current, start))
    })
  }

  /** Provider (STARTING): start a requested transfer: the data plane's address goes to the consumer. */
  private async startAsProvider(id: string): Promise<void> {
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      if (transferWorkOf(transfer) !== 'STARTING') return
      const started = this.move(transfer, 'TransferStartMessage', 'provider')
      const start = await this.startMessageOrEnd(started)
      if (start === undefined) return
      await this.processes.commit(started, 'transfer.started', this.send(started, start))
      this.components.dataPlane.start(id)
    })
  }

  /**
   * Provider: the start message of `transfer` with the data plane's address; or, when the data
   * plane refuses one (grant used up, agreement revoked), the transfer is ended and undefined
   * returned. Undefined too, the transfer left as it is, while its whole content's receipt is on
   * the way: a repeated request that crossed it must not end a transfer about to complete.
   */
  private async startMessageOrEnd(
    transfer: TransferProcessRecord,
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const dataAddress = await this.components.dataPlane.startAddress(
        transfer,
        transfer.callbackAddress === undefined ? 'libp2p' : 'http',
      )
      return createTransferStartMessage({
        providerPid: transfer.id,
        consumerPid: transfer.consumerPid,
        ...(dataAddress === undefined ? {} : { dataAddress }),
      }) as unknown as Record<string, unknown>
    } catch (error) {
      if (error instanceof DeliveryUnderWayError) return undefined
      if (!(error instanceof DataAccessDeniedError)) throw error
      await this.end(await this.mustGet(transfer.id), error.reasonCode, error.message, true)
      return undefined
    }
  }

  private async onMove(
    message: Extract<
      DspMessage,
      {
        '@type':
          | 'TransferStartMessage'
          | 'TransferSuspensionMessage'
          | 'TransferCompletionMessage'
          | 'TransferTerminationMessage'
      }
    >,
    caller: string,
  ): Promise<TransferProcess> {
    const asProvider = await this.processes.get(message.providerPid)
    const id = asProvider?.role === 'provider' ? message.providerPid : message.consumerPid
    return this.manager.inbound(id, caller, async (transfer, sender) => {
      const step = transitionTransfer(transfer.state, message, sender)
      if (!step.ok) throw step.error
      const code = 'code' in message && typeof message.code === 'string' ? message.code : undefined
      const reason =
        'reason' in message && Array.isArray(message.reason)
          ? message.reason.map(String).join('; ')
          : undefined
      switch (message['@type']) {
        case 'TransferStartMessage': {
          if (transfer.role === 'consumer') {
            // The receipt is stored and the transfer completes: nothing more to pull.
            if (transferWorkOf(transfer) === 'COMPLETING') return ackOf(transfer)
            const dataAddress = message.dataAddress
            // Pulled over libp2p or HTTP (HttpData-PULL); the data plane says whether it can.
            if (!isPushFormat(transfer.format) && !this.components.dataPlane.accepts(dataAddress)) {
              throw new InvalidMessageError(
                'a pull start must carry a dataAddress this node can pull from (libp2p, or HTTP with an http(s) endpoint), with a bearer authorization',
              )
            }
            // A repeated start carries a fresh single-use token: keep it and pull with it.
            const base = step.repeat ? transfer : this.withStep(transfer, step.state)
            const updated: TransferProcessRecord = {
              ...base,
              providerPid: message.providerPid,
              ...(dataAddress === undefined ? {} : { dataAddress }),
            }
            await this.processes.commit(updated, step.repeat ? 'transfer.token' : 'transfer.started')
            this.components.dataPlane.start(id)
            return ackOf(updated)
          }
          if (step.repeat) return ackOf(transfer)
          // The consumer resumes a suspended transfer: answer with a new address.
          const started = this.withStep(transfer, step.state)
          const start = await this.startMessageOrEnd(started)
          if (start === undefined) return ackOf(await this.mustGet(id))
          await this.processes.commit(started, 'transfer.started', this.send(started, start), { by: caller })
          this.components.dataPlane.start(id)
          return ackOf(started)
        }
        case 'TransferCompletionMessage': {
          if (step.repeat) return ackOf(transfer)
          const completed = this.withStep(transfer, step.state)
          await this.processes.commit(completed, TRANSFER_COMPLETED, [], { by: caller })
          this.afterEnd(completed, 'the transfer was completed')
          return ackOf(completed)
        }
        default: {
          if (step.repeat) return ackOf(transfer)
          const updated = this.withStep(transfer, step.state, code, reason)
          await this.processes.commit(updated, `transfer.${step.state.toLowerCase()}`, [], { by: caller })
          const why = `the other party ${step.state === 'SUSPENDED' ? 'suspended' : 'terminated'} the transfer`
          if (step.state === 'SUSPENDED') this.components.dataPlane.suspend(id, why)
          else this.afterEnd(updated, why)
          return ackOf(updated)
        }
      }
    })
  }

  /** Suspension, resumption or termination decided on this node (API), sent to the other party. */
  private async localMove(
    id: string,
    move: 'TransferStartMessage' | 'TransferSuspensionMessage' | 'TransferTerminationMessage',
    reason?: string,
  ): Promise<TransferProcessRecord> {
    return this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      const step = transitionTransfer(transfer.state, move, transfer.role)
      if (!step.ok) throw step.error
      if (step.repeat) return transfer
      if (transfer.providerPid === undefined) {
        throw new TransferStateError(`transfer ${id} has no provider process yet; try again in a moment`)
      }
      const code = move === 'TransferStartMessage' ? undefined : 'BY_OPERATOR'
      const updated = this.withStep(transfer, step.state, code, reason)
      const pids = { providerPid: transfer.providerPid, consumerPid: transfer.consumerPid }
      const extra = reason === undefined ? {} : { code: 'BY_OPERATOR', reason: [reason] }
      let message: Record<string, unknown>
      if (move === 'TransferStartMessage' && transfer.role === 'provider') {
        const start = await this.startMessageOrEnd(updated)
        if (start === undefined) return this.mustGet(id)
        message = start
      } else if (move === 'TransferStartMessage') {
        message = createTransferStartMessage(pids) as unknown as Record<string, unknown>
      } else if (move === 'TransferSuspensionMessage') {
        message = createTransferSuspensionMessage({ ...pids, ...extra }) as unknown as Record<string, unknown>
      } else {
        message = this.manager.terminationMessage(updated)
      }
      await this.processes.commit(
        updated,
        `transfer.${step.state.toLowerCase()}`,
        this.send(updated, message),
        {
          by: 'operator',
        },
      )
      const why = `the transfer was ${step.state.toLowerCase()} here`
      if (move === 'TransferSuspensionMessage') this.components.dataPlane.suspend(id, why)
      else if (move === 'TransferTerminationMessage') this.afterEnd(updated, why)
      else if (transfer.role === 'provider') this.components.dataPlane.start(id)
      return updated
    })
  }

  // ---- signals from the data plane -------------------------------------------------------------

  /**
   * The data plane delivered the whole content. A receipt both signed is stored first, exactly as
   * signed, with the totals on the record (COMPLETING: a crash now still completes after the
   * restart); totals without a receipt complete at once. The consumer of a pull and the provider
   * of a push tell the other party.
   */
  async completed(id: string, outcome: FlowCompleted): Promise<void> {
    this.pullFailures.delete(id)
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      const totals = { bytes: outcome.bytes, sha256: outcome.sha256 }
      const { receipt } = outcome
      if (receipt !== undefined) {
        const evidence = { ...receiptBody(receipt), signatures: { ...receipt.signatures } }
        const holding = isTerminalTransferState(transfer.state)
          ? transfer
          : { ...transfer, ...totals, receipt }
        await this.processes.commitEvidence(holding, TRANSFER_RECEIPT, evidence)
        await this.complete(id)
        return
      }
      if (isTerminalTransferState(transfer.state)) return
      const completed = { ...this.move(transfer, 'TransferCompletionMessage', transfer.role), ...totals }
      // Totals without a receipt are named apart from a receipt's `bytes` and `sha256`.
      const side = transfer.role === 'provider' ? 'sent' : 'received'
      await this.processes.commit(
        completed,
        TRANSFER_COMPLETED,
        this.send(completed, this.completion(transfer)),
        {
          transfer: transfer.providerPid ?? transfer.id,
          [`${side}Bytes`]: totals.bytes,
          [`${side}Sha256`]: totals.sha256,
          receipt: 'none: the data plane of this transfer signs no receipts',
        },
      )
      this.afterEnd(completed, 'the transfer was completed')
    })
  }

  async failed(id: string, failure: FlowFailed): Promise<void> {
    if (!failure.transient) {
      this.pullFailures.delete(id)
      await this.withLock(id, async () => {
        const transfer = await this.mustGet(id)
        if (isTerminalTransferState(transfer.state)) return
        await this.end(transfer, failure.code, failure.reason, transfer.providerPid !== undefined)
      })
      return
    }
    const failures = (this.pullFailures.get(id) ?? 0) + 1
    this.pullFailures.set(id, failures)
    this.components.log.warn(
      { transfer: id, attempt: failures, err: failure.reason },
      'pull interrupted; resuming',
    )
    if (failures >= (this.init.maxPullAttempts ?? DELIVERY_ATTEMPTS)) {
      this.pullFailures.delete(id)
      await this.withLock(id, async () => {
        const transfer = await this.mustGet(id)
        if (isTerminalTransferState(transfer.state)) return
        const reason = `the data could not be fetched after ${failures} attempts: ${failure.reason}`
        await this.end(transfer, 'PULL_FAILED', reason, false)
      })
      return
    }
    setTimeout(() => void this.refresh(id), Math.min(MAX_PULL_PAUSE_MS, 200 * 2 ** failures)).unref()
  }

  /** COMPLETING: the stored receipt makes the transfer COMPLETED; the consumer tells the provider. */
  private async complete(id: string): Promise<void> {
    const transfer = await this.mustGet(id)
    if (transferWorkOf(transfer) !== 'COMPLETING') return
    const completed = this.move(transfer, 'TransferCompletionMessage', transfer.role)
    const tell = transfer.role === 'consumer' ? this.send(completed, this.completion(transfer)) : []
    await this.processes.commit(completed, TRANSFER_COMPLETED, tell, {
      transfer: transfer.providerPid ?? transfer.id,
      bytes: transfer.bytes,
      sha256: transfer.sha256,
    })
    this.afterEnd(completed, 'the transfer was completed')
  }

  private completion(transfer: TransferProcessRecord): Record<string, unknown> {
    return createTransferCompletionMessage({
      providerPid: transfer.providerPid ?? transfer.id,
      consumerPid: transfer.consumerPid,
    }) as unknown as Record<string, unknown>
  }

  /** Consumer (PULLING): asks the provider again (idempotent request) for a fresh token to continue. */
  private async refresh(id: string): Promise<void> {
    // A pull that runs has a token (a retry timer from before a suspension must not cross it).
    if (this.stopped || this.components.dataPlane.pulling(id)) return
    const transfer = await this.processes.get(id)
    if (transfer === undefined || transferWorkOf(transfer) !== 'PULLING') return
    let ack: TransferProcess
    try {
      ack = (await this.components.messenger.send(
        transfer.counterparty,
        this.requestMessage(transfer),
        routeOf(transfer),
      )) as TransferProcess
    } catch (error) {
      const reason = (error as Error).message
      await this.failed(id, { code: 'PULL_FAILED', reason, transient: !isRemoteRefusal(error) })
      return
    }
    if (ack.state === 'COMPLETED') {
      // The provider completed while this side was away (it had the receipt this side signed
      // over what the file holds): the file's totals complete it here too.
      const totals = await this.components.dataPlane.settle(transfer)
      await this.completed(id, totals)
    } else if (ack.state === 'TERMINATED') {
      await this.withLock(id, async () => {
        const current = await this.mustGet(id)
        if (isTerminalTransferState(current.state)) return
        await this.end(current, 'PROVIDER_ENDED', `the provider reports the transfer ${ack.state}`, false)
      })
    } else if (ack.state === 'SUSPENDED') {
      // The provider holds it suspended while this side pulls: a token it sent before it took in
      // this side's suspension read here as its resumption. Its suspension holds on both sides.
      await this.withLock(id, async () => {
        const current = await this.mustGet(id)
        if (current.state !== 'STARTED') return
        const why = 'the provider reports the transfer SUSPENDED'
        const suspended = this.manager.move(
          current,
          'TransferSuspensionMessage',
          'provider',
          'PROVIDER_SUSPENDED',
          why,
        )
        await this.processes.commit(suspended, 'transfer.suspended', [], { by: current.counterparty })
        this.components.dataPlane.suspend(id, why)
      })
    }
  }

  // ---- records and messages ------------------------------------------------------------------

  /**
   * Ends a transfer on this side (TERMINATED with `code`), telling the other party when `tell`:
   * also where the protocol gives this side no move (a peer that never answers).
   */
  private async end(
    transfer: TransferProcessRecord,
    code: string,
    reason: string,
    tell: boolean,
  ): Promise<void> {
    await this.manager.end(transfer, code, reason, tell)
  }

  /** A final state is stored: the data plane lets go of the transfer, duties follow a completion. */
  private afterEnd(transfer: TransferProcessRecord, why: string): void {
    this.pullFailures.delete(transfer.id)
    this.components.dataPlane.terminate(transfer.id, why)
    if (transfer.state === 'COMPLETED') this.completions.emit('completed', transfer)
  }

  private requestMessage(transfer: TransferProcessRecord): Record<string, unknown> {
    return createTransferRequestMessage({
      consumerPid: transfer.consumerPid,
      agreementId: transfer.agreementId,
      format: transfer.format,
      // spec/libp2p-framing.md: over libp2p the callback is the consumer's own peer address
      callbackAddress: this.ownAddress(transfer.callbackAddress === undefined ? 'libp2p' : 'http') ?? '',
    }) as unknown as Record<string, unknown>
  }

  private send(transfer: TransferProcessRecord, message?: Record<string, unknown>): BatchOp[] {
    return this.manager.send(transfer, message)
  }

  /** The transfer after `move` by `by`, checked against the state table. */
  private move(transfer: TransferProcessRecord, move: TransferMove, by: TransferRole): TransferProcessRecord {
    return this.manager.move(transfer, move, by)
  }

  /** The transfer after a step to `state` the table allowed. */
  private withStep(
    transfer: TransferProcessRecord,
    state: TransferState,
    code?: string,
    reason?: string,
  ): TransferProcessRecord {
    return this.manager.at(transfer, state, code, reason)
  }

  /** The binding that reaches `address` (the dispatcher decides; this manager never reads URLs). */
  private bindingOf(address: string | undefined): DspBinding {
    return this.init.addressing?.bindingOf(address) ?? 'libp2p'
  }

  /** This node's own DSP address on a binding; undefined when it does not listen there. */
  private ownAddress(binding: DspBinding): string | undefined {
    if (this.init.addressing !== undefined) return this.init.addressing.ownAddress(binding)
    return binding === 'libp2p' ? `/p2p/${this.components.nodeKey.peerId.toString()}` : undefined
  }

  private mustGet(id: string): Promise<TransferProcessRecord> {
    return this.manager.mustGet(id)
  }

  /** Serialises everything that reads and writes one transfer. */
  private withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.manager.withLock(key, work)
  }
}

function ackOf(transfer: TransferProcessRecord): TransferProcess {
  return createTransferProcess({
    providerPid: transfer.providerPid ?? '',
    consumerPid: transfer.consumerPid,
    state: transfer.state,
  })
}
