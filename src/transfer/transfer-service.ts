import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute } from 'node:path'
import {
  type AuditLog,
  receiptBody,
  signReceipt,
  TRANSFER_COMPLETED,
  TRANSFER_RECEIPT,
  type TransferReceipt,
  verifyReceipt,
} from '../audit/index.js'
import type { AgreementRecord, ProviderFacts } from '../contract/index.js'
import { type AccessTokenClaims, issueAccessToken, TokenError, TokenVerifier } from '../credentials/index.js'
import type { NodeKey } from '../identity/index.js'
import type { Logger, UnauthenticatedRefusals } from '../log/index.js'
import {
  AllmendeError,
  createDataAddress,
  createTransferCompletionMessage,
  createTransferProcess,
  createTransferRequestMessage,
  createTransferStartMessage,
  createTransferSuspensionMessage,
  createTransferTerminationMessage,
  type DataAddress,
  type DspBinding,
  type DspMessage,
  InvalidInputError,
  InvalidMessageError,
  isRemoteRefusal,
  NotFoundError,
  type PeerAddressing,
  type TransferProcess,
  type TransferState,
  UnknownProcessError,
} from '../protocol/index.js'
import {
  type BatchOp,
  KeyedLock,
  Outbox,
  type OutboxEntry,
  type Store,
  type Sublevel,
} from '../store/index.js'
import { ContentDigest, readAhead, skipHashed } from './data-plane/content-digest.js'
import { HTTP_ENDPOINT_TYPE, LIBP2P_ENDPOINT_TYPE, tokenOf } from './data-plane/data-address.js'
import {
  CONTENT_BATCH_BYTES,
  type ContentTotals,
  type DataCaller,
  type DataGrant,
  type DataPuller,
  type DataPusher,
  type DataQuery,
  type DataRequest,
  type PullTarget,
} from './data-plane/data-plane.js'
import {
  ContentMismatchError,
  DataAccessDeniedError,
  DataProtocolError,
  DataSourceFailedError,
  RangeNotSatisfiableError,
  RemoteDataError,
} from './data-plane/errors.js'
import { FileSink, fileLength } from './data-plane/file-sink.js'
import { AgreementPolicies, usageWorld } from './data-plane/usage-policy.js'
import { AgreementNotUsableError, AgreementRevokedError, TransferStateError } from './errors.js'
import { type OpenedSource, openSource, type SecretsLookup, type SourceSpec } from './sources/index.js'
import { isTerminalTransferState, type TransferRole, transitionTransfer } from './transfer-machine.js'
import {
  type AgreementUsage,
  DEFAULT_TRANSFER_FORMAT,
  type TransferProcessRecord,
  type TransferStep,
} from './transfer-record.js'

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
  readonly dataPlane: DataPuller
  /** Provider: delivers `-PUSH` transfers to the consumer's `dataAddress`; without it they are refused. */
  readonly dataPusher?: DataPusher
  /** FINALIZED agreements of this node (provider and consumer side). */
  readonly agreements: { getAgreement(id: string): Promise<AgreementRecord | undefined> }
  /** Where a dataset's data lives: its source spec (validated when opened). */
  readonly sourceOf: (datasetId: string) => Promise<unknown>
  /** What the provider states of a dataset and the moment (events in force, artifact state), for each use. */
  readonly providedFacts?: (datasetId: string) => Promise<ProviderFacts>
  /** Whether a DID is an admitted member of the data space (for membership constraints). */
  readonly isMember: (did: string) => Promise<boolean>
  /** The data space id membership constraints name (`dataSpaceMembership eq <id>`). */
  readonly dataSpace?: string
  /** Whether the provider revoked an agreement it issued. */
  readonly isRevoked: (agreement: AgreementRecord) => Promise<boolean>
  /** Counts data requests refused before their token was authenticated (they are not audited). */
  readonly refusals?: UnauthenticatedRefusals
  /**
   * Consumer: the provider's DSP HTTP base URL when the agreement was negotiated over HTTPS (the
   * transfer then goes there too); undefined for a libp2p peer.
   */
  readonly providerAddress?: (agreement: AgreementRecord) => Promise<string | undefined>
}

export interface TransferInit {
  /** Lifetime of an access token, seconds (default 300, at most 600). */
  readonly tokenLifetimeSeconds?: number
  /** Delivery attempts of a DSP message before the transfer is ended locally (default 6). */
  readonly maxDeliveryAttempts?: number
  /** Pull attempts after transport failures before the transfer is ended locally (default 6). */
  readonly maxPullAttempts?: number
  readonly secrets?: SecretsLookup
  /** Directory relative file sources resolve against. */
  readonly sourceBaseDir?: string
  /** Provider: the `HttpData-PULL` endpoint of a transfer on the DSP HTTP binding, when it runs. */
  readonly httpDataEndpoint?: (transferId: string) => string | undefined
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
  readonly query?: DataQuery
}

const TERMINAL: readonly TransferState[] = ['COMPLETED', 'TERMINATED']
/** The `format` asked of a provider reached over DSP HTTP (reference §1.2: a Distribution format). */
const HTTP_PULL_FORMAT = 'HttpData-PULL'
/** Bytes of a source read ahead of the network. */
const READ_AHEAD_BYTES = 4 * 1024 * 1024

/**
 * Transfer processes on both sides (DSP 2025-1 transfer process protocol over any binding), and the
 * provider's gate of its data plane. Like contract negotiation, every transition is checked against
 * the state table and stored with its audit entry and the message it causes in one atomic batch,
 * then sent by an outbox worker that re-delivers after a restart. The provider evaluates the
 * agreement's policy on every data request and writes the decision to the audit log before a byte
 * moves; the consumer pulls into a file, resumes at the file's length, and both sign a receipt.
 */
export class TransferService {
  private readonly transfers: Sublevel<TransferProcessRecord>
  private readonly outbox: Outbox<TransferRoute>
  private readonly requestIndex: Sublevel<string>
  private readonly usage: Sublevel<AgreementUsage>
  /** Provider: transfers whose content went out whole (their grant is used up), with the time. */
  private readonly delivered: Sublevel<string>
  private readonly locks = new KeyedLock()
  private readonly events = new EventEmitter()
  private readonly tokens: TokenVerifier
  private readonly policies = new AgreementPolicies()
  /** Consumer: running pulls by transfer id, with the bytes held so far. */
  private readonly pulls = new Map<string, { controller: AbortController; target?: PullTarget }>()
  /** Consumer: the token last presented per transfer (each is single-use; a pull waits for a new one). */
  private readonly usedTokens = new Map<string, string>()
  private readonly pullFailures = new Map<string, number>()
  /** Provider: streams being served by transfer id. */
  private readonly grants = new Map<string, AbortController>()
  /** Provider: pushes under way by transfer id. */
  private readonly pushing = new Set<string>()
  private stopped = false

  constructor(
    private readonly components: TransferComponents,
    private readonly init: TransferInit = {},
  ) {
    const { store } = components
    this.transfers = store.sublevel<TransferProcessRecord>('transfers')
    this.outbox = new Outbox(store.sublevel<OutboxEntry<TransferRoute>>('transfer-outbox'), {
      log: components.log,
      label: 'transfer',
      maxAttempts: init.maxDeliveryAttempts ?? 6,
      send: (entry) => components.messenger.send(entry.peer, entry.message, entry.route),
      isRefusal: isRemoteRefusal,
      giveUp: (id, code, reason) => this.withLock(id, () => this.terminateLocally(id, code, reason)),
    })
    this.requestIndex = store.sublevel<string>('transfer-requests')
    this.usage = store.sublevel<AgreementUsage>('transfer-usage')
    this.delivered = store.sublevel<string>('transfer-delivered')
    // Only this provider's own tokens open its data: the consumer never issues one.
    this.tokens = new TokenVerifier({
      audience: components.nodeKey.did,
      issuer: components.nodeKey.did,
      clock: () => components.clock().getTime(),
    })
    this.events.setMaxListeners(0)
  }

  /** Re-drives what a previous run left: undelivered messages, provider starts, consumer pulls. */
  async start(): Promise<void> {
    await this.outbox.resume()
    for await (const transfer of this.transfers.values()) {
      if (transfer.role === 'provider' && transfer.state === 'REQUESTED')
        void this.startAsProvider(transfer.id)
      if (transfer.role === 'provider' && transfer.state === 'STARTED' && isPush(transfer))
        void this.push(transfer.id)
      // A token from before the restart may be spent or expired: ask for a fresh one.
      if (transfer.role === 'consumer' && transfer.state === 'STARTED') void this.refresh(transfer.id)
    }
  }

  /** Called after each transfer of this node reaches COMPLETED (either role), e.g. to track its duties. */
  onCompleted(listener: (transfer: TransferProcessRecord) => void): void {
    this.events.on('completed', listener)
  }

  stop(): void {
    this.stopped = true
    this.outbox.stop()
    for (const { controller } of this.pulls.values()) controller.abort(new Error('the node stops'))
    for (const controller of this.grants.values()) controller.abort(new Error('the node stops'))
    this.events.removeAllListeners()
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
    const consumerPid = `urn:uuid:${randomUUID()}`
    const now = this.now()
    const transfer: TransferProcessRecord = {
      id: consumerPid,
      role: 'consumer',
      consumerPid,
      counterparty: agreement.provider,
      agreementId: agreement.id,
      datasetId: agreement.datasetId,
      format: request.format ?? (overHttp ? HTTP_PULL_FORMAT : DEFAULT_TRANSFER_FORMAT),
      ...(overHttp ? { callbackAddress: providerAddress } : {}),
      state: 'REQUESTED',
      out: request.out,
      history: [{ state: 'REQUESTED', at: now }],
      created: now,
      updated: now,
    }
    await this.commit(transfer, 'transfer.requested', [], { out: request.out })
    const ack = await this.components.messenger
      .send(agreement.provider, this.requestMessage(transfer), routeOf(transfer))
      .catch(async (error: Error) => {
        await this.withLock(consumerPid, () =>
          this.terminateLocally(
            consumerPid,
            'PROVIDER_REFUSED',
            `the provider refused or could not be reached: ${error.message}`,
          ),
        )
        throw error
      })
    const providerPid = (ack as TransferProcess).providerPid
    return this.withLock(consumerPid, async () => {
      const current = await this.mustGet(consumerPid)
      if (current.providerPid !== undefined) return current
      const updated = { ...current, providerPid }
      await this.components.store.atomic([
        { type: 'put', sublevel: this.transfers, key: consumerPid, value: updated },
      ])
      return updated
    })
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
    const done = (t: TransferProcessRecord) => states.includes(t.state) || TERMINAL.includes(t.state)
    const current = await this.mustGet(id)
    if (done(current)) return current
    return new Promise((resolve, reject) => {
      const onChange = (t: TransferProcessRecord) => {
        if (t.id !== id || !done(t)) return
        cleanup()
        resolve(t)
      }
      const timer = setTimeout(() => {
        cleanup()
        this.mustGet(id).then(resolve, reject)
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        this.events.off('changed', onChange)
      }
      this.events.on('changed', onChange)
    })
  }

  // ---- queries -----------------------------------------------------------------------------

  async get(id: string): Promise<TransferProcessRecord | undefined> {
    return this.transfers.get(id)
  }

  /** The ACK for a transfer the caller is party to (`GET /transfers/:pid`); 404 otherwise. */
  async describe(pid: string, caller: string): Promise<TransferProcess> {
    const transfer = await this.transfers.get(pid)
    if (transfer === undefined || transfer.counterparty !== caller)
      throw new UnknownProcessError('transfer', pid)
    return ackOf(transfer)
  }

  async list(): Promise<TransferProcessRecord[]> {
    return this.transfers.values().all()
  }

  /** Consumer: bytes held of a running pull (from byte 0), or undefined when none runs. */
  received(id: string): number | undefined {
    return this.pulls.get(id)?.target?.written
  }

  /** Provider: uses of an agreement so far. */
  async usesOf(agreementId: string): Promise<number> {
    return (await this.usage.get(agreementId))?.uses ?? 0
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
    const indexKey = `${caller} ${message.consumerPid}`
    return this.withLock(indexKey, async () => {
      const existing = await this.requestIndex.get(indexKey)
      if (existing !== undefined) {
        // DSP: a repeated request is answered idempotently; a started pull gets a fresh token.
        const transfer = await this.mustGet(existing)
        if (transfer.agreementId !== message.agreementId) {
          throw new InvalidMessageError(
            `consumerPid ${message.consumerPid} already names a transfer under another agreement`,
          )
        }
        if (transfer.state === 'STARTED') await this.reissue(transfer.id)
        return ackOf(await this.mustGet(existing))
      }
      const step = transitionTransfer(undefined, message, 'consumer')
      if (!step.ok) throw step.error
      // A push (reference §1.4) carries where the consumer wants the data: kept as its dataAddress.
      const push = /-PUSH$/i.test(message.format)
      if (push && (message.dataAddress === undefined || this.components.dataPusher === undefined)) {
        throw new InvalidMessageError(
          this.components.dataPusher === undefined
            ? `this provider serves pulls only; request format HttpData-PULL (not ${message.format})`
            : `a ${message.format} request must carry the consumer's dataAddress`,
        )
      }
      const agreement = await this.components.agreements.getAgreement(message.agreementId)
      if (agreement === undefined || agreement.role !== 'provider' || agreement.consumer !== caller) {
        throw new AgreementNotUsableError(
          `no finalized agreement ${message.agreementId} with ${caller} on this node`,
        )
      }
      if (await this.components.isRevoked(agreement)) throw new AgreementRevokedError(agreement.id)
      const providerPid = `urn:uuid:${randomUUID()}`
      const now = this.now()
      const transfer: TransferProcessRecord = {
        id: providerPid,
        role: 'provider',
        consumerPid: message.consumerPid,
        providerPid,
        counterparty: caller,
        agreementId: agreement.id,
        datasetId: agreement.datasetId,
        format: message.format,
        ...(this.bindingOf(message.callbackAddress) === 'http'
          ? { callbackAddress: message.callbackAddress }
          : {}),
        ...(push ? { dataAddress: message.dataAddress } : {}),
        state: 'REQUESTED',
        history: [{ state: 'REQUESTED', at: now }],
        created: now,
        updated: now,
      }
      await this.commit(transfer, 'transfer.requested', [
        { type: 'put', sublevel: this.requestIndex, key: indexKey, value: providerPid },
      ])
      await this.startAsProvider(providerPid)
      return ackOf(transfer)
    })
  }

  /**
   * Provider: a repeated request of a started transfer gets a fresh token to resume its pull, as
   * long as its grant is not used up. A transfer whose content went out whole, or whose agreement
   * was revoked, ends instead (the consumer learns why): no token opens the data twice.
   */
  private async reissue(id: string): Promise<void> {
    await this.withLock(id, async () => {
      const current = await this.mustGet(id)
      if (current.state !== 'STARTED') return
      const agreement = await this.components.agreements.getAgreement(current.agreementId)
      const ended =
        (await this.delivered.get(id)) !== undefined
          ? { code: 'GRANT_USED', reason: grantUsedReason(id) }
          : agreement === undefined || (await this.components.isRevoked(agreement))
            ? {
                code: 'AGREEMENT_REVOKED',
                reason: `agreement ${current.agreementId} was revoked by the provider`,
              }
            : undefined
      if (ended === undefined) {
        await this.commit(current, 'transfer.token', this.send(current, await this.startMessage(current)))
        return
      }
      const terminated = this.advance(current, 'TERMINATED', ended.code, ended.reason)
      const termination = createTransferTerminationMessage({
        providerPid: current.id,
        consumerPid: current.consumerPid,
        code: ended.code,
        reason: [ended.reason],
      }) as unknown as Record<string, unknown>
      await this.commit(terminated, 'transfer.terminated', this.send(terminated, termination))
    })
  }

  /** Provider: start a requested transfer: issue a token and send the pull address. */
  private async startAsProvider(id: string): Promise<void> {
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      if (transfer.role !== 'provider' || transfer.state !== 'REQUESTED') return
      const step = transitionTransfer('REQUESTED', 'TransferStartMessage', 'provider')
      if (!step.ok) throw step.error
      const started = this.advance(transfer, 'STARTED')
      await this.commit(started, 'transfer.started', this.send(started, await this.startMessage(started)))
    })
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
    const asProvider = await this.transfers.get(message.providerPid)
    const id = asProvider?.role === 'provider' ? message.providerPid : message.consumerPid
    return this.withLock(id, async () => {
      const transfer = await this.transfers.get(id)
      if (transfer === undefined || transfer.counterparty !== caller)
        throw new UnknownProcessError('transfer', id)
      const sender: TransferRole = transfer.role === 'provider' ? 'consumer' : 'provider'
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
            const dataAddress = message.dataAddress
            // Pulled over libp2p, or over HTTP from `endpoint` (HttpData-PULL; the data plane picks).
            if (!this.components.dataPlane.serves(dataAddress) || tokenOf(dataAddress) === undefined) {
              throw new InvalidMessageError(
                `a pull start must carry a ${LIBP2P_ENDPOINT_TYPE} dataAddress, or a ${HTTP_ENDPOINT_TYPE} one with an http(s) endpoint, with a bearer authorization`,
              )
            }
            // A repeated start carries a fresh single-use token: keep it and pull with it.
            const base = step.repeat ? transfer : this.advance(transfer, 'STARTED')
            const updated = { ...base, providerPid: message.providerPid, dataAddress }
            await this.commit(updated, step.repeat ? 'transfer.token' : 'transfer.started', [])
            void this.pull(id)
            return ackOf(updated)
          }
          if (step.repeat) return ackOf(transfer)
          // The consumer resumes a suspended transfer: answer with a new pull address.
          const started = this.advance(transfer, 'STARTED')
          await this.commit(
            started,
            'transfer.started',
            this.send(started, await this.startMessage(started)),
            { by: caller },
          )
          return ackOf(started)
        }
        case 'TransferCompletionMessage':
          if (step.repeat) return ackOf(transfer)
          await this.commit(this.advance(transfer, 'COMPLETED'), TRANSFER_COMPLETED, [], { by: caller })
          this.abortRunning(id, 'the transfer was completed')
          return ackOf(await this.mustGet(id))
        default: {
          if (step.repeat) return ackOf(transfer)
          const updated = this.advance(transfer, step.state, code, reason)
          await this.commit(updated, `transfer.${step.state.toLowerCase()}`, [], { by: caller })
          this.abortRunning(
            id,
            `the other party ${step.state === 'SUSPENDED' ? 'suspended' : 'terminated'} the transfer`,
          )
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
    const result = await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      const step = transitionTransfer(transfer.state, move, transfer.role)
      if (!step.ok) throw step.error
      if (step.repeat) return transfer
      if (transfer.providerPid === undefined) {
        throw new TransferStateError(`transfer ${id} has no provider process yet; try again in a moment`)
      }
      const code = move === 'TransferStartMessage' ? undefined : 'BY_OPERATOR'
      const updated = this.advance(transfer, step.state, code, reason)
      const pids = { providerPid: transfer.providerPid, consumerPid: transfer.consumerPid }
      const extra = reason === undefined ? {} : { code: 'BY_OPERATOR', reason: [reason] }
      const message =
        move === 'TransferStartMessage'
          ? transfer.role === 'provider'
            ? await this.startMessage(updated)
            : (createTransferStartMessage(pids) as unknown as Record<string, unknown>)
          : move === 'TransferSuspensionMessage'
            ? (createTransferSuspensionMessage({ ...pids, ...extra }) as unknown as Record<string, unknown>)
            : (createTransferTerminationMessage({ ...pids, ...extra }) as unknown as Record<string, unknown>)
      await this.commit(updated, `transfer.${step.state.toLowerCase()}`, this.send(updated, message), {
        by: 'operator',
      })
      if (move !== 'TransferStartMessage')
        this.abortRunning(id, `the transfer was ${step.state.toLowerCase()} here`)
      return updated
    })
    return result
  }

  // ---- provider data plane -----------------------------------------------------------------

  /**
   * Checks a data request (token, transfer, agreement, usage policy), records the decision, opens the
   * source: the provider half of a pull. A token this provider did not issue, for another transfer
   * or caller, is refused before anything is recorded (counted in the metrics instead: an
   * unauthenticated sender must not write the audit log). A refusal after that is audited
   * (`transfer.denied`) and thrown as a {@link DataAccessDeniedError}; a permitted request is
   * recorded as `transfer.access` with the use count BEFORE the source is opened. A source that
   * cannot be read records `transfer.failed` and takes the use back (count = accesses − failures),
   * then throws {@link DataSourceFailedError}. Once the whole content went out, the grant is used
   * up: no token of the transfer opens it again.
   */
  async openData(request: DataRequest, from: DataCaller): Promise<DataGrant> {
    const offset = request.offset ?? 0
    const claims = await this.authenticate(request, from)
    const caller = claims.sub
    const transferId = claims.transferProcessId
    const transfer = await this.transfers.get(transferId)
    if (transfer === undefined || transfer.role !== 'provider' || transfer.counterparty !== caller) {
      await this.deny(
        claims.agreementId,
        transferId,
        'TRANSFER_UNKNOWN',
        'the access token names no transfer of yours',
      )
    }
    if ((await this.delivered.get(transferId)) !== undefined) {
      await this.deny(claims.agreementId, transferId, 'GRANT_USED', grantUsedReason(transferId))
    }
    const agreement = await this.components.agreements.getAgreement(claims.agreementId)
    if (agreement === undefined || agreement.role !== 'provider' || agreement.consumer !== caller) {
      await this.deny(
        claims.agreementId,
        transferId,
        'AGREEMENT_UNKNOWN',
        `no finalized agreement ${claims.agreementId} with you`,
      )
    }
    if (await this.components.isRevoked(agreement!)) {
      await this.deny(
        agreement!.id,
        transferId,
        'AGREEMENT_REVOKED',
        `agreement ${agreement!.id} was revoked by the provider`,
      )
    }
    const isMember = await this.components.isMember(caller)
    const controller = new AbortController()
    await this.withLock(`usage ${agreement!.id}`, async () => {
      const current = await this.mustGet(transferId)
      if (current.state !== 'STARTED') {
        await this.deny(
          agreement!.id,
          transferId,
          'TRANSFER_NOT_STARTED',
          `the transfer is ${current.state}, not STARTED`,
        )
      }
      const usage = (await this.usage.get(agreement!.id)) ?? { agreementId: agreement!.id, uses: 0 }
      const newUse = current.counted !== true
      const now = this.components.clock()
      const world = usageWorld({
        now,
        usesSoFar: usage.uses,
        newUse,
        consumer: caller,
        ...(agreement!.purpose === undefined ? {} : { purpose: agreement!.purpose }),
        ...(agreement!.declared === undefined ? {} : { declared: agreement!.declared }),
        provided: (await this.components.providedFacts?.(agreement!.datasetId)) ?? {},
        concluded: agreement!.concluded,
        isMember,
        ...(this.components.dataSpace === undefined ? {} : { dataSpace: this.components.dataSpace }),
      })
      const decision = await this.policies.decide(agreement!, world)
      if (!decision.permit) {
        await this.deny(
          agreement!.id,
          transferId,
          'POLICY_DENIED',
          `the agreement does not permit this use now: ${decision.reasons.join('; ')}`,
          { count: world.count },
        )
      }
      const uses = usage.uses + (newUse ? 1 : 0)
      const counted: TransferProcessRecord = { ...current, counted: true }
      await this.components.audit.record(
        {
          type: 'transfer.access',
          subject: transferId,
          data: {
            agreement: agreement!.id,
            transfer: transferId,
            consumer: caller,
            count: uses,
            offset,
            resumed: !newUse,
          },
        },
        [
          {
            type: 'put',
            sublevel: this.usage,
            key: agreement!.id,
            value: { agreementId: agreement!.id, uses, lastUse: now.toISOString() },
          },
          { type: 'put', sublevel: this.transfers, key: transferId, value: counted },
        ],
      )
      this.grants.get(transferId)?.abort(new Error('a newer request for this transfer arrived'))
      this.grants.set(transferId, controller)
    })
    let source: OpenedSource
    try {
      const spec = await this.components.sourceOf(agreement!.datasetId)
      source = await openSource(spec as SourceSpec, {
        range: { offset: 0 },
        ...(request.query === undefined ? {} : { query: request.query }),
        signal: controller.signal,
        ...(this.init.secrets === undefined ? {} : { secrets: this.init.secrets }),
        ...(this.init.sourceBaseDir === undefined ? {} : { baseDir: this.init.sourceBaseDir }),
      })
      if (source.size !== undefined && source.size < offset)
        throw new RangeNotSatisfiableError(offset, source.size)
    } catch (error) {
      const failed = await this.failGrant(transferId, agreement!.id, controller, error)
      // Nothing went out: the use is given back, and the consumer learns the content's size.
      throw error instanceof RangeNotSatisfiableError ? error : failed
    }
    const digest = new ContentDigest()
    // Read ahead (bounded) so the source's latency overlaps with sending, in batches of a frame.
    const content = this.untilDelivered(
      readAhead(
        this.guardSource(skipHashed(source.chunks, offset, digest), transferId, agreement!.id, controller),
        READ_AHEAD_BYTES,
        CONTENT_BATCH_BYTES,
      ),
      transferId,
    )
    let released = false
    return {
      transfer: transferId,
      mediaType: source.mediaType,
      ...(source.size === undefined ? {} : { size: source.size }),
      offset,
      content,
      digest,
      signal: controller.signal,
      complete: async (receipt) => {
        const done = await this.completeAsProvider(transferId, agreement!, receipt, digest)
        if (this.grants.get(transferId) === controller) this.grants.delete(transferId)
        released = true
        return done
      },
      release: () => {
        if (released) return
        released = true
        if (this.grants.get(transferId) === controller) this.grants.delete(transferId)
        controller.abort(new Error('released'))
      },
    }
  }

  /** The grant is used up once the binding took the content's last byte (before the end goes out). */
  private async *untilDelivered<T>(
    batches: AsyncIterable<T>,
    transferId: string,
  ): AsyncGenerator<T, void, undefined> {
    yield* batches
    await this.delivered.put(transferId, this.now())
  }

  /** Source errors while streaming: recorded as a failed use, surfaced as {@link DataSourceFailedError}. */
  private async *guardSource(
    chunks: AsyncIterable<Uint8Array>,
    transferId: string,
    agreementId: string,
    controller: AbortController,
  ): AsyncGenerator<Uint8Array, void, undefined> {
    try {
      yield* chunks
    } catch (error) {
      if (controller.signal.aborted) throw error
      throw await this.failGrant(transferId, agreementId, controller, error)
    }
  }

  /** Records `transfer.failed` and takes back the use; returns the error for the consumer. */
  private async failGrant(
    transferId: string,
    agreementId: string,
    controller: AbortController,
    error: unknown,
  ): Promise<DataSourceFailedError> {
    // Not aborted: the stream stays up to carry the error to the consumer.
    if (this.grants.get(transferId) === controller) this.grants.delete(transferId)
    const code = error instanceof AllmendeError ? error.code : 'ALLMENDE_INTERNAL'
    this.components.log.warn({ transfer: transferId, err: (error as Error).message }, 'data source failed')
    await this.withLock(`usage ${agreementId}`, async () => {
      const transfer = await this.mustGet(transferId)
      const usage = (await this.usage.get(agreementId)) ?? { agreementId, uses: 0 }
      const uses = transfer.counted === true ? Math.max(0, usage.uses - 1) : usage.uses
      await this.components.audit.record(
        {
          type: 'transfer.failed',
          subject: transferId,
          data: {
            agreement: agreementId,
            transfer: transferId,
            code,
            reason: (error as Error).message,
            count: uses,
          },
        },
        [
          { type: 'put', sublevel: this.usage, key: agreementId, value: { ...usage, uses } },
          { type: 'put', sublevel: this.transfers, key: transferId, value: { ...transfer, counted: false } },
        ],
      )
    })
    // The source's address is the provider's business: the consumer learns the kind of failure.
    return new DataSourceFailedError(
      `the provider cannot read the data of this transfer (${code}); it was not counted as a use`,
      { cause: error },
    )
  }

  /**
   * The claims of a data request's access token, or a refusal that is counted, not audited: the
   * token must be this provider's own (its key), unspent, for a transfer process and the agreement
   * the request names; over libp2p the admitted peer must be its subject, over HTTP the path must
   * name its transfer.
   */
  private async authenticate(
    request: DataRequest,
    from: DataCaller,
  ): Promise<AccessTokenClaims & { transferProcessId: string }> {
    const refuse = (reason: string, message: string): never => {
      this.components.refusals?.refuse('data-plane', reason)
      throw new DataAccessDeniedError('TOKEN_INVALID', message)
    }
    let claims: AccessTokenClaims
    try {
      claims = await this.tokens.verifyAccessToken(request.token)
    } catch (error) {
      const reason = error instanceof TokenError ? error.reason : 'malformed'
      return refuse(reason, `the access token is not accepted: ${(error as Error).message}`)
    }
    const transferId = claims.transferProcessId
    if (transferId === undefined) return refuse('claim', 'the access token names no transfer process')
    if ('peer' in from && claims.sub !== from.peer) {
      return refuse('subject', 'the access token was issued to another party than the peer presenting it')
    }
    if ('bearerFor' in from && from.bearerFor !== transferId) {
      return refuse('transfer', `the access token is for another transfer than ${from.bearerFor}`)
    }
    if (claims.agreementId !== request.agreementId) {
      return refuse('agreement', 'the access token is for another agreement')
    }
    return { ...claims, transferProcessId: transferId }
  }

  /** Audits a refusal and throws it. */
  private async deny(
    agreementId: string,
    transferId: string | undefined,
    reasonCode: string,
    reason: string,
    data: Record<string, unknown> = {},
  ): Promise<never> {
    await this.components.audit.record({
      type: 'transfer.denied',
      subject: transferId ?? agreementId,
      data: {
        agreement: agreementId,
        ...(transferId === undefined ? {} : { transfer: transferId }),
        code: reasonCode,
        reason,
        ...data,
      },
    })
    throw new DataAccessDeniedError(reasonCode, reason)
  }

  /** Provider: the consumer's receipt must match what was sent; countersign, record, complete. */
  private async completeAsProvider(
    transferId: string,
    agreement: AgreementRecord,
    receipt: unknown,
    digest: ContentDigest,
  ): Promise<TransferReceipt> {
    const r = (receipt ?? {}) as Partial<TransferReceipt>
    const expected = {
      agreement: agreement.id,
      transfer: transferId,
      provider: this.components.nodeKey.did,
      consumer: agreement.consumer,
      bytes: digest.bytes,
      sha256: digest.hex(),
    }
    for (const [field, value] of Object.entries(expected)) {
      if (r[field as keyof TransferReceipt] !== value) {
        throw new InvalidInputError(
          `the receipt's ${field} is ${JSON.stringify(r[field as keyof TransferReceipt])}, expected ${JSON.stringify(value)}`,
        )
      }
    }
    let countersigned: TransferReceipt
    try {
      countersigned = signReceipt(r as TransferReceipt, this.components.nodeKey)
    } catch (error) {
      throw new InvalidInputError(`the receipt cannot be signed: ${(error as Error).message}`)
    }
    const check = verifyReceipt(countersigned)
    if (!check.ok)
      throw new InvalidInputError(`the consumer's receipt does not verify: ${check.problems.join('; ')}`)
    await this.withLock(transferId, async () => {
      const transfer = await this.mustGet(transferId)
      // Receipt first: a crash between the two leaves a receipt without completion, never the reverse.
      await this.components.audit.record({ type: TRANSFER_RECEIPT, subject: transferId, data: countersigned })
      if (TERMINAL.includes(transfer.state)) return
      const completed = {
        ...this.advance(transfer, 'COMPLETED'),
        bytes: countersigned.bytes,
        sha256: countersigned.sha256,
        receipt: countersigned,
      }
      await this.commit(completed, TRANSFER_COMPLETED, [], {
        transfer: transferId,
        bytes: countersigned.bytes,
        sha256: countersigned.sha256,
      })
    })
    return countersigned
  }

  // ---- consumer pull -----------------------------------------------------------------------

  /** Consumer: pulls a started transfer with its current token into its file, after what it holds. */
  private async pull(id: string): Promise<void> {
    if (this.pulls.has(id) || this.stopped) return
    const transfer = await this.transfers.get(id)
    const token = tokenOf(transfer?.dataAddress)
    if (transfer === undefined || transfer.role !== 'consumer' || transfer.state !== 'STARTED') return
    if (transfer.out === undefined || token === undefined || this.usedTokens.get(id) === token) return
    if (this.pulls.has(id)) return
    const controller = new AbortController()
    const running: { controller: AbortController; target?: PullTarget } = { controller }
    this.pulls.set(id, running)
    this.usedTokens.set(id, token)
    let sink: FileSink | undefined
    try {
      const offset = await fileLength(transfer.out)
      sink = await FileSink.open(transfer.out, offset)
      let settled: ContentTotals | undefined
      const target = this.pullTarget(transfer, sink, (totals) => {
        settled = totals
      })
      running.target = target
      const outcome = await this.components.dataPlane.pull(
        transfer.counterparty,
        { token, agreementId: transfer.agreementId, offset },
        target,
        controller.signal,
        transfer.dataAddress,
      )
      // Only the target's own totals complete without a receipt: a data plane cannot fake them.
      if (settled !== undefined && outcome === settled) await this.completeUnattested(id, settled)
      else await this.completeAsConsumer(id, outcome)
      this.pullFailures.delete(id)
    } catch (error) {
      await sink?.close().catch(() => undefined)
      if (controller.signal.aborted) return
      await this.onPullError(id, error)
    } finally {
      if (this.pulls.get(id) === running) {
        this.pulls.delete(id)
        // A fresh token may have arrived while this pull was winding down (suspend, resume).
        if (controller.signal.aborted) void this.pull(id)
      }
    }
  }

  private pullTarget(
    transfer: TransferProcessRecord,
    sink: FileSink,
    onSettled: (totals: ContentTotals) => void,
  ): PullTarget {
    const nodeKey = this.components.nodeKey
    const clock = this.components.clock
    return {
      begin: async (header) => {
        if (header.offset !== sink.written) {
          throw new InvalidInputError(`the provider starts at byte ${header.offset}, not at ${sink.written}`)
        }
        if (transfer.providerPid !== undefined && header.transfer !== transfer.providerPid) {
          throw new InvalidInputError(
            `the provider serves transfer ${header.transfer}, not ${transfer.providerPid}`,
          )
        }
      },
      write: (chunk) => sink.write(chunk),
      get written() {
        return sink.written
      },
      finish: async (end) => {
        const { bytes, sha256 } = await sink.finish(end)
        return signReceipt(
          {
            agreement: transfer.agreementId,
            transfer: transfer.providerPid ?? '',
            bytes,
            sha256,
            time: clock().toISOString(),
            provider: transfer.counterparty,
            consumer: nodeKey.did,
          },
          nodeKey,
        )
      },
      settle: async () => {
        const totals = await sink.settle()
        onSettled(totals)
        return totals
      },
    }
  }

  /**
   * Consumer: a pull over a data plane without receipts (HttpData-PULL) is complete. The totals go
   * to the record and the audit entry, marked unattested (no receipt backs them), and the provider
   * gets the TransferCompletionMessage.
   */
  private async completeUnattested(id: string, totals: ContentTotals): Promise<void> {
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      if (TERMINAL.includes(transfer.state)) return
      const completed: TransferProcessRecord = {
        ...this.advance(transfer, 'COMPLETED'),
        bytes: totals.bytes,
        sha256: totals.sha256,
      }
      const message = createTransferCompletionMessage({
        providerPid: transfer.providerPid ?? '',
        consumerPid: transfer.consumerPid,
      }) as unknown as Record<string, unknown>
      // `bytes` with `sha256` would claim a receipt (audit cross-check): name them apart.
      await this.commit(completed, TRANSFER_COMPLETED, this.send(completed, message), {
        transfer: transfer.providerPid ?? '',
        receivedBytes: totals.bytes,
        receivedSha256: totals.sha256,
        receipt: "none: the provider's data plane signs no receipts",
      })
    })
  }

  /** Consumer: both signatures verify and the body is what this node signed; record and complete. */
  private async completeAsConsumer(id: string, countersigned: unknown): Promise<void> {
    const check = verifyReceipt(countersigned)
    if (!check.ok)
      throw new ContentMismatchError(`the provider's receipt does not verify: ${check.problems.join('; ')}`)
    const receipt = countersigned as TransferReceipt
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      if (
        receipt.agreement !== transfer.agreementId ||
        receipt.consumer !== this.components.nodeKey.did ||
        receipt.provider !== transfer.counterparty
      ) {
        throw new ContentMismatchError('the provider countersigned a receipt for another transfer')
      }
      await this.components.audit.record({
        type: TRANSFER_RECEIPT,
        subject: id,
        data: receiptBodyWithSignatures(receipt),
      })
      if (TERMINAL.includes(transfer.state)) return
      const completed: TransferProcessRecord = {
        ...this.advance(transfer, 'COMPLETED'),
        bytes: receipt.bytes,
        sha256: receipt.sha256,
        receipt,
      }
      const message = createTransferCompletionMessage({
        providerPid: transfer.providerPid ?? '',
        consumerPid: transfer.consumerPid,
      }) as unknown as Record<string, unknown>
      await this.commit(completed, TRANSFER_COMPLETED, this.send(completed, message), {
        transfer: receipt.transfer,
        bytes: receipt.bytes,
        sha256: receipt.sha256,
      })
    })
  }

  /** Refusals and bad content end the transfer; transport failures are retried with a fresh token. */
  private async onPullError(id: string, error: unknown): Promise<void> {
    const message = (error as Error).message
    if (
      error instanceof RemoteDataError ||
      error instanceof ContentMismatchError ||
      error instanceof InvalidInputError
    ) {
      const code =
        error instanceof RemoteDataError
          ? (error.reasonCode ??
            (error.remoteCode === 'ALLMENDE_DATA_SOURCE_FAILED' ? 'SOURCE_FAILED' : error.remoteCode))
          : error instanceof ContentMismatchError
            ? 'CONTENT_MISMATCH'
            : 'PROTOCOL_ERROR'
      await this.withLock(id, async () => {
        const transfer = await this.mustGet(id)
        if (TERMINAL.includes(transfer.state)) return
        const terminated = this.advance(transfer, 'TERMINATED', code, message)
        const termination = createTransferTerminationMessage({
          providerPid: transfer.providerPid ?? '',
          consumerPid: transfer.consumerPid,
          code,
          reason: [message],
        }) as unknown as Record<string, unknown>
        await this.commit(
          terminated,
          'transfer.terminated',
          transfer.providerPid === undefined ? [] : this.send(terminated, termination),
        )
      })
      return
    }
    const failures = (this.pullFailures.get(id) ?? 0) + 1
    this.pullFailures.set(id, failures)
    this.components.log.warn({ transfer: id, attempt: failures, err: message }, 'pull interrupted; resuming')
    if (failures >= (this.init.maxPullAttempts ?? 6)) {
      this.pullFailures.delete(id)
      await this.withLock(id, () =>
        this.terminateLocally(
          id,
          'PULL_FAILED',
          `the data could not be fetched after ${failures} attempts: ${message}`,
        ),
      )
      return
    }
    setTimeout(() => void this.refresh(id), 200 * 2 ** failures).unref()
  }

  /** Consumer: asks the provider again (idempotent request) for a fresh token to continue the pull. */
  private async refresh(id: string): Promise<void> {
    if (this.stopped) return
    const transfer = await this.transfers.get(id)
    if (transfer === undefined || transfer.role !== 'consumer' || transfer.state !== 'STARTED') return
    try {
      const ack = (await this.components.messenger.send(
        transfer.counterparty,
        this.requestMessage(transfer),
        routeOf(transfer),
      )) as TransferProcess
      if (ack.state === 'TERMINATED' || ack.state === 'COMPLETED') {
        await this.withLock(id, () =>
          this.terminateLocally(id, 'PROVIDER_ENDED', `the provider reports the transfer ${ack.state}`),
        )
      }
    } catch (error) {
      await this.onPullError(id, error)
    }
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

  /** Provider: a start message with a fresh single-use access token in a libp2p pull address. */
  private async startMessage(transfer: TransferProcessRecord): Promise<Record<string, unknown>> {
    const pids = { providerPid: transfer.id, consumerPid: transfer.consumerPid }
    // A push needs no pull address: the provider delivers to the consumer's own dataAddress.
    if (isPush(transfer)) return createTransferStartMessage(pids) as unknown as Record<string, unknown>
    if ((await this.delivered.get(transfer.id)) !== undefined)
      throw new TransferStateError(grantUsedReason(transfer.id))
    const { nodeKey } = this.components
    const token = await this.accessToken(transfer)
    // A consumer over DSP HTTP pulls over HTTP (HttpData-PULL), an Allmende peer over libp2p.
    const httpEndpoint =
      transfer.callbackAddress === undefined ? undefined : this.init.httpDataEndpoint?.(transfer.id)
    const dataAddress: DataAddress = createDataAddress({
      endpointType: httpEndpoint === undefined ? LIBP2P_ENDPOINT_TYPE : HTTP_ENDPOINT_TYPE,
      endpoint: httpEndpoint ?? `/p2p/${nodeKey.peerId.toString()}`,
      endpointProperties: [
        { '@type': 'EndpointProperty', name: 'authorization', value: token },
        { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
      ],
    })
    return createTransferStartMessage({ ...pids, dataAddress }) as unknown as Record<string, unknown>
  }

  /** Provider: a fresh single-use access token for the consumer of a transfer. */
  private async accessToken(transfer: TransferProcessRecord): Promise<string> {
    const { nodeKey, clock } = this.components
    return issueAccessToken(nodeKey, {
      subject: transfer.counterparty,
      audience: nodeKey.did,
      agreementId: transfer.agreementId,
      transferProcessId: transfer.id,
      lifetimeSeconds: this.init.tokenLifetimeSeconds ?? 300,
      now: clock(),
    })
  }

  // ---- provider push -----------------------------------------------------------------------

  /**
   * Provider: delivers a started push transfer to the consumer's dataAddress. The request passes
   * the same gate as a pull ({@link openData}: token, agreement, usage policy, audit entry before a
   * byte moves); once the consumer's endpoint accepted the whole content the transfer is COMPLETED
   * and the consumer gets the TransferCompletionMessage.
   */
  private async push(id: string): Promise<void> {
    const pusher = this.components.dataPusher
    if (pusher === undefined || this.pushing.has(id) || this.stopped) return
    this.pushing.add(id)
    let grant: DataGrant | undefined
    try {
      const transfer = await this.transfers.get(id)
      if (transfer?.role !== 'provider' || transfer.state !== 'STARTED' || !isPush(transfer)) return
      const request = {
        type: 'request' as const,
        token: await this.accessToken(transfer),
        agreementId: transfer.agreementId,
        offset: 0,
      }
      grant = await this.openData(request, { peer: transfer.counterparty })
      const delivery = {
        mediaType: grant.mediaType,
        ...(grant.size === undefined ? {} : { size: grant.size }),
        content: grant.content,
      }
      await pusher.push(transfer.dataAddress!, delivery, grant.signal)
      if (grant.size !== undefined && grant.digest.bytes !== grant.size) {
        throw new DataProtocolError(
          `the consumer answered after ${grant.digest.bytes} of ${grant.size} bytes`,
        )
      }
      await this.completePush(id, { bytes: grant.digest.bytes, sha256: grant.digest.hex() })
      this.pullFailures.delete(id)
    } catch (error) {
      if (grant?.signal.aborted === true || this.stopped) return
      await this.onPushError(id, error)
    } finally {
      const aborted = grant?.signal.aborted === true
      grant?.release()
      this.pushing.delete(id)
      // Resumed while this push was winding down after a suspension: deliver anew.
      if (aborted) void this.push(id)
    }
  }

  private async completePush(id: string, totals: ContentTotals): Promise<void> {
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      const step = transitionTransfer(transfer.state, 'TransferCompletionMessage', 'provider')
      if (!step.ok || step.repeat) return
      const completed: TransferProcessRecord = { ...this.advance(transfer, 'COMPLETED'), ...totals }
      const message = createTransferCompletionMessage({
        providerPid: transfer.id,
        consumerPid: transfer.consumerPid,
      }) as unknown as Record<string, unknown>
      // No receipt on a push: the totals are named apart from a receipt's `bytes` and `sha256`.
      await this.commit(completed, TRANSFER_COMPLETED, this.send(completed, message), {
        transfer: id,
        sentBytes: totals.bytes,
        sentSha256: totals.sha256,
        receipt: 'none: an HTTP push has no receipt',
      })
    })
  }

  /** A refusal (of the gate or of the consumer's endpoint) ends the push; transport failures retry. */
  private async onPushError(id: string, error: unknown): Promise<void> {
    const message = (error as Error).message
    const transient = !(error instanceof AllmendeError) || error.code === 'ALLMENDE_PEER_UNREACHABLE'
    const failures = (this.pullFailures.get(id) ?? 0) + 1
    this.pullFailures.set(id, failures)
    if (transient && failures < (this.init.maxPullAttempts ?? 6)) {
      this.components.log.warn(
        { transfer: id, attempt: failures, err: message },
        'push interrupted; retrying',
      )
      setTimeout(() => void this.push(id), 200 * 2 ** failures).unref()
      return
    }
    this.pullFailures.delete(id)
    const code = transient
      ? 'PUSH_FAILED'
      : error instanceof DataAccessDeniedError
        ? error.reasonCode
        : error instanceof DataSourceFailedError
          ? 'SOURCE_FAILED'
          : 'PUSH_REFUSED'
    await this.withLock(id, async () => {
      const transfer = await this.mustGet(id)
      if (TERMINAL.includes(transfer.state)) return
      const terminated = this.advance(transfer, 'TERMINATED', code, message)
      const termination = createTransferTerminationMessage({
        providerPid: transfer.id,
        consumerPid: transfer.consumerPid,
        code,
        reason: [message],
      }) as unknown as Record<string, unknown>
      await this.commit(terminated, 'transfer.terminated', this.send(terminated, termination))
    })
  }

  private abortRunning(id: string, reason: string): void {
    this.pulls.get(id)?.controller.abort(new TransferStateError(reason))
    this.grants.get(id)?.abort(new TransferStateError(reason))
  }

  // ---- storage and delivery ------------------------------------------------------------------

  private async commit(
    transfer: TransferProcessRecord,
    type: string,
    extra: BatchOp[],
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await this.components.audit.record(
      {
        type,
        subject: transfer.id,
        data: {
          role: transfer.role,
          counterparty: transfer.counterparty,
          agreement: transfer.agreementId,
          state: transfer.state,
          ...lastReason(transfer.history),
          ...data,
        },
      },
      [{ type: 'put', sublevel: this.transfers, key: transfer.id, value: transfer }, ...extra],
    )
    this.events.emit('changed', transfer)
    if (type === TRANSFER_COMPLETED) this.events.emit('completed', transfer)
    // Started (first or resumed) push: deliver it.
    if (type === 'transfer.started' && transfer.role === 'provider' && isPush(transfer))
      void this.push(transfer.id)
    if (TERMINAL.includes(transfer.state)) {
      this.usedTokens.delete(transfer.id)
      this.pullFailures.delete(transfer.id)
    }
    this.outbox.deliverCommitted(extra)
  }

  private send(transfer: TransferProcessRecord, message: Record<string, unknown>): BatchOp[] {
    const route = transfer.callbackAddress === undefined ? undefined : routeOf(transfer)
    return [this.outbox.entryOp(transfer.id, transfer.counterparty, message, route)]
  }

  private async terminateLocally(id: string, code: string, reason: string): Promise<void> {
    const transfer = await this.transfers.get(id)
    if (transfer === undefined || isTerminalTransferState(transfer.state)) return
    await this.commit(this.advance(transfer, 'TERMINATED', code, reason), 'transfer.terminated', [])
    this.abortRunning(id, reason)
  }

  private advance(
    transfer: TransferProcessRecord,
    state: TransferState,
    code?: string,
    reason?: string,
  ): TransferProcessRecord {
    const at = this.now()
    const step: TransferStep = {
      state,
      at,
      ...(code === undefined ? {} : { code }),
      ...(reason === undefined ? {} : { reason }),
    }
    return { ...transfer, state, history: [...transfer.history, step], updated: at }
  }

  /** The binding that reaches `address` (the dispatcher decides; this service never reads URLs). */
  private bindingOf(address: string | undefined): DspBinding {
    return this.init.addressing?.bindingOf(address) ?? 'libp2p'
  }

  /** This node's own DSP address on a binding; undefined when it does not listen there. */
  private ownAddress(binding: DspBinding): string | undefined {
    if (this.init.addressing !== undefined) return this.init.addressing.ownAddress(binding)
    return binding === 'libp2p' ? `/p2p/${this.components.nodeKey.peerId.toString()}` : undefined
  }

  private async mustGet(id: string): Promise<TransferProcessRecord> {
    const transfer = await this.transfers.get(id)
    if (transfer === undefined) throw new NotFoundError(`no transfer ${id} on this node`)
    return transfer
  }

  /** Serialises everything that reads and writes one transfer (or one agreement's usage). */
  private withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(key, work)
  }

  private now(): string {
    return this.components.clock().toISOString()
  }
}

function ackOf(transfer: TransferProcessRecord): TransferProcess {
  return createTransferProcess({
    providerPid: transfer.providerPid ?? '',
    consumerPid: transfer.consumerPid,
    state: transfer.state,
  })
}

/** Provider: the consumer asked for a push and gave its own dataAddress (kept on the record). */
function isPush(transfer: TransferProcessRecord): boolean {
  return transfer.role === 'provider' && transfer.dataAddress !== undefined && /-PUSH$/i.test(transfer.format)
}

/** Where messages about a transfer with a DSP HTTP peer go: its address, to the other role. */
function routeOf(transfer: TransferProcessRecord): TransferRoute | undefined {
  if (transfer.callbackAddress === undefined) return undefined
  return {
    callbackAddress: transfer.callbackAddress,
    recipient: transfer.role === 'provider' ? 'consumer' : 'provider',
  }
}

function lastReason(history: readonly TransferStep[]): { code?: string; reason?: string } {
  const step = history.at(-1)
  return {
    ...(step?.code === undefined ? {} : { code: step.code }),
    ...(step?.reason === undefined ? {} : { reason: step.reason }),
  }
}

/** Why a used-up grant opens nothing: the consumer's operator reads what to do. */
function grantUsedReason(transferId: string): string {
  return `the data of transfer ${transferId} was delivered whole and its access is used up; start a new transfer (it counts as a new use)`
}

/** Exactly the body and signatures (a receipt from a peer may carry nothing else into the log). */
function receiptBodyWithSignatures(receipt: TransferReceipt): TransferReceipt {
  return { ...receiptBody(receipt), signatures: { ...receipt.signatures } }
}
