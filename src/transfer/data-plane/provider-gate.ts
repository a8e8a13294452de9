import { type AuditLog, signReceipt, type TransferReceipt, verifyReceipt } from '../../audit/index.js'
import type { AgreementRecord, ProviderFacts } from '../../contract/index.js'
import { issueAccessToken, ReplayCache } from '../../credentials/index.js'
import type { NodeKey } from '../../identity/index.js'
import type { Logger, UnauthenticatedRefusals } from '../../log/index.js'
import {
  AllmendeError,
  createDataAddress,
  type DataAddress,
  type DspBinding,
  InvalidInputError,
} from '../../protocol/index.js'
import { KeyedLock, type Store, type Sublevel } from '../../store/index.js'
import type { SecretsLookup } from '../sources/index.js'
import { type ContentPermit, openContent } from './content-stream.js'
import { HTTP_ENDPOINT_TYPE, LIBP2P_ENDPOINT_TYPE } from './data-address.js'
import type { DataFlowSignals, FlowTransfer, FlowTransfers } from './data-flows.js'
import type {
  DataCaller,
  DataGrant,
  DataProvider,
  DataRequest,
  ReceiptGrant,
  SentContent,
} from './data-plane.js'
import { type DataClaims, DataTokens } from './data-token.js'
import { DigestCache } from './digest-cache.js'
import { DataAccessDeniedError, DataSourceFailedError, DeliveryUnderWayError } from './errors.js'
import { AgreementPolicies, usageWorld } from './usage-policy.js'

/** Uses of one agreement on its provider: transfers granted access and not failed. */
export interface AgreementUsage {
  readonly agreementId: string
  readonly uses: number
  readonly lastUse?: string
}

export interface ProviderGateComponents {
  readonly store: Store
  readonly audit: AuditLog
  readonly nodeKey: NodeKey
  readonly clock: () => Date
  readonly log: Logger
  /** FINALIZED agreements of this node. */
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
}

export interface ProviderGateInit {
  /** Lifetime of an access token, seconds (default 300, at most 600). */
  readonly tokenLifetimeSeconds?: number
  readonly secrets?: SecretsLookup
  /** Directory relative file sources resolve against. */
  readonly sourceBaseDir?: string
  /** The `HttpData-PULL` endpoint of a transfer on the DSP HTTP binding, when it runs. */
  readonly httpDataEndpoint?: (transferId: string) => string | undefined
}

/** What a data-plane worker gets for a request it verified: the source to open, and its facts' sinks. */
export interface VerifiedPermit extends ContentPermit {
  readonly transferId: string
  /** Directory relative file sources resolve against. */
  readonly baseDir?: string
  /** The stream ended without completion (consumer gone, worker lost); safe to call twice. */
  release(): void
}

/** A permitted request in the gate's own books. */
interface GatePermit extends VerifiedPermit {
  readonly agreement: AgreementRecord
  /** The transfer completes: the grant ends without aborting its stream. */
  settle(): void
  /** The receipt of the delivered content was stored or refused: the delivery is no longer under way. */
  endDelivery(): void
}

/**
 * Where data leaves the city: the provider's gate. Every data request of a consumer (over libp2p
 * or `HttpData-PULL`) and every push passes through {@link ProviderGate.openData}, which checks the
 * access token (this provider's own, unspent, for this transfer and this caller), the transfer
 * (STARTED, with this consumer), the agreement (finalized, not revoked), the caller's membership
 * and the agreement's usage policy with the count of uses, writes the decision to the audit log
 * before a byte moves, and only then opens the source. It issues the single-use tokens of the
 * start messages and uses a transfer up once its content went out whole.
 */
export class ProviderGate implements DataProvider {
  private readonly usage: Sublevel<AgreementUsage>
  /** Transfers whose content went out whole (their grant is used up), with the time. */
  private readonly delivered: Sublevel<string>
  /** Transfers counted as a use of their agreement (at their first permitted access). */
  private readonly counted: Sublevel<string>
  private readonly locks = new KeyedLock()
  private readonly tokens: DataTokens
  /** Tokens data-plane workers verified: each opens one request, whichever worker it reached. */
  private readonly verifiedTokens = new ReplayCache(100_000)
  private readonly policies = new AgreementPolicies()
  /** Content digests of files sent before, so an unchanged file is not hashed again. */
  private readonly digests = new DigestCache()
  /** Streams being served by transfer id. */
  private readonly grants = new Map<string, AbortController>()
  /**
   * Transfers whose whole content went out on a stream that is still open (its receipt on the way),
   * with that stream's end: the receipt stored or refused, or the stream broken off.
   */
  private readonly deliveries = new Map<string, Promise<void>>()
  private transfers: FlowTransfers | undefined
  private signals: DataFlowSignals | undefined

  constructor(
    private readonly components: ProviderGateComponents,
    private readonly init: ProviderGateInit = {},
  ) {
    const { store } = components
    this.usage = store.sublevel<AgreementUsage>('transfer-usage')
    this.delivered = store.sublevel<string>('transfer-delivered')
    this.counted = store.sublevel<string>('transfer-counted')
    // Only this provider's own tokens open its data: the consumer never issues one.
    this.tokens = new DataTokens(components.nodeKey.did, components.clock, (reason) =>
      components.refusals?.refuse('data-plane', reason),
    )
  }

  connect(transfers: FlowTransfers, signals: DataFlowSignals): void {
    this.transfers = transfers
    this.signals = signals
  }

  /**
   * The pull address of a start message, with a fresh single-use token: over libp2p for an
   * Allmende peer, `HttpData-PULL` for a consumer on DSP HTTP. No token opens a used-up grant or
   * a revoked agreement: the transfer ends instead, with the reason as code. A grant whose content
   * went out whole while its stream is still open gets no token either, but the transfer goes on:
   * the receipt on that stream completes it ({@link DeliveryUnderWayError}).
   */
  async startAddress(transfer: FlowTransfer, consumer: DspBinding): Promise<DataAddress> {
    if ((await this.delivered.get(transfer.id)) !== undefined) {
      if (this.deliveries.has(transfer.id)) throw new DeliveryUnderWayError(transfer.id)
      throw new DataAccessDeniedError('GRANT_USED', grantUsedReason(transfer.id))
    }
    const agreement = await this.components.agreements.getAgreement(transfer.agreementId)
    if (agreement === undefined || (await this.components.isRevoked(agreement)))
      throw new DataAccessDeniedError('AGREEMENT_REVOKED', revokedReason(transfer.agreementId))
    const httpEndpoint = consumer === 'http' ? this.init.httpDataEndpoint?.(transfer.id) : undefined
    return createDataAddress({
      endpointType: httpEndpoint === undefined ? LIBP2P_ENDPOINT_TYPE : HTTP_ENDPOINT_TYPE,
      endpoint: httpEndpoint ?? `/p2p/${this.components.nodeKey.peerId.toString()}`,
      endpointProperties: [
        { '@type': 'EndpointProperty', name: 'authorization', value: await this.accessToken(transfer) },
        { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
      ],
    })
  }

  /** The grant of a push: the provider presents a token of its own to its own gate. */
  async openForPush(transfer: FlowTransfer): Promise<ReceiptGrant> {
    const request = { token: await this.accessToken(transfer), agreementId: transfer.agreementId, offset: 0 }
    return this.openData(request, { peer: transfer.counterparty })
  }

  /**
   * While the whole content of a transfer went out on a stream that still carries its receipt, that
   * stream's end; otherwise undefined.
   */
  deliveryUnderWay(transferId: string): Promise<void> | undefined {
    return this.deliveries.get(transferId)
  }

  /** Stops the streams of a transfer (suspended, terminated, or the node stops). */
  abort(transferId: string, reason: Error): void {
    this.grants.get(transferId)?.abort(reason)
  }

  stop(): void {
    for (const controller of this.grants.values()) controller.abort(new Error('the node stops'))
  }

  /**
   * Checks a data request (token, transfer, agreement, usage policy), records the decision, opens the
   * source. A token this provider did not issue, for another transfer or caller, is refused before
   * anything is recorded (counted in the metrics instead: an unauthenticated sender must not write
   * the audit log). A refusal after that is audited (`transfer.denied`) and thrown as a
   * {@link DataAccessDeniedError}; a permitted request is recorded as `transfer.access` with the use
   * count BEFORE the source is opened. A source that cannot be read records `transfer.failed` and
   * takes the use back (count = accesses − failures), then throws {@link DataSourceFailedError}.
   * Once the whole content went out, the grant is used up: no token of the transfer opens it again.
   * An admitted peer's content is hashed from byte 0 (the end frame's totals, the receipt); a
   * bearer's is not: `HttpData-PULL` has no receipt, and nobody would read the hash.
   */
  openData(request: DataRequest, from: { readonly peer: string }): Promise<ReceiptGrant>
  openData(request: DataRequest, from: { readonly bearerFor: string }): Promise<DataGrant>
  async openData(request: DataRequest, from: DataCaller): Promise<DataGrant | ReceiptGrant> {
    const offset = request.offset ?? 0
    const claims = await this.tokens.authenticate(request, from)
    const permit = await this.admit(claims, offset)
    const opened = await openContent(permit, {
      offset,
      ...(request.query === undefined ? {} : { query: request.query }),
      ...('peer' in from ? { totals: { cache: this.digests } } : {}),
      ...(this.init.secrets === undefined ? {} : { secrets: this.init.secrets }),
      ...(this.init.sourceBaseDir === undefined ? {} : { baseDir: this.init.sourceBaseDir }),
    })
    const { sent, ...content } = opened
    const grant: DataGrant = {
      transfer: permit.transferId,
      ...content,
      offset,
      signal: permit.signal,
      release: () => permit.release(),
    }
    if (sent === undefined) return grant
    return {
      ...grant,
      sent,
      complete: async (receipt) => {
        // Completing ends the transfer: its stream stays up to carry the countersigned receipt.
        permit.settle()
        try {
          return await this.complete(permit.transferId, permit.agreement, receipt, sent)
        } finally {
          permit.endDelivery()
        }
      },
    }
  }

  /**
   * A data request whose token a data-plane worker verified (with this node's public key): the
   * same checks, audit entry and count as {@link ProviderGate.openData}, and the source to open.
   * Each token opens one request, across all workers (their replay caches are their own).
   */
  async admitVerified(claims: DataClaims, offset: number): Promise<VerifiedPermit> {
    try {
      const now = Math.floor(this.components.clock().getTime() / 1000)
      this.verifiedTokens.use(`${claims.iss} ${claims.jti}`, claims.exp + 30, now, claims.jti)
    } catch (error) {
      this.components.refusals?.refuse('data-plane', 'replay')
      throw new DataAccessDeniedError(
        'TOKEN_INVALID',
        `the access token is not accepted: ${(error as Error).message}`,
      )
    }
    const permit = await this.admit(claims, offset)
    return {
      ...permit,
      ...(this.init.sourceBaseDir === undefined ? {} : { baseDir: this.init.sourceBaseDir }),
    }
  }

  /**
   * The checks after the token: transfer, agreement, revocation, membership, usage policy with the
   * count; the decision is audited, and a permitted use counted, before the source is named.
   */
  private async admit(claims: DataClaims, offset: number): Promise<GatePermit> {
    const caller = claims.sub
    const transferId = claims.transferProcessId
    const transfer = await this.transfers?.get(transferId)
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
      await this.deny(agreement!.id, transferId, 'AGREEMENT_REVOKED', revokedReason(agreement!.id))
    }
    const isMember = await this.components.isMember(caller)
    const controller = new AbortController()
    await this.locks.run(`usage ${agreement!.id}`, async () => {
      const current = await this.transfers?.get(transferId)
      if (current?.state !== 'STARTED') {
        await this.deny(
          agreement!.id,
          transferId,
          'TRANSFER_NOT_STARTED',
          `the transfer is ${current?.state ?? 'gone'}, not STARTED`,
        )
      }
      const usage = (await this.usage.get(agreement!.id)) ?? { agreementId: agreement!.id, uses: 0 }
      const newUse = (await this.counted.get(transferId)) === undefined
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
          { type: 'put', sublevel: this.counted, key: transferId, value: now.toISOString() },
        ],
      )
      this.grants.get(transferId)?.abort(new Error('a newer request for this transfer arrived'))
      this.grants.set(transferId, controller)
    })
    const failed = (error: unknown) => this.failGrant(transferId, agreement!.id, controller, error)
    let source: unknown
    try {
      source = await this.components.sourceOf(agreement!.datasetId)
    } catch (error) {
      throw await failed(error)
    }
    let released = false
    let endDelivery: () => void = () => undefined
    const settle = () => {
      released = true
      if (this.grants.get(transferId) === controller) this.grants.delete(transferId)
    }
    return {
      transferId,
      agreement: agreement!,
      source,
      signal: controller.signal,
      delivered: async () => {
        await this.delivered.put(transferId, this.components.clock().toISOString())
        endDelivery = this.openDelivery(transferId)
      },
      failed,
      settle,
      endDelivery: () => endDelivery(),
      release: () => {
        if (released) return
        settle()
        controller.abort(new Error('released'))
        endDelivery()
      },
    }
  }

  /** Marks a transfer's whole content as gone out on an open stream; returns what ends the mark. */
  private openDelivery(transferId: string): () => void {
    let end: () => void = () => undefined
    const ended = new Promise<void>((resolve) => {
      end = resolve
    })
    this.deliveries.set(transferId, ended)
    return () => {
      if (this.deliveries.get(transferId) === ended) this.deliveries.delete(transferId)
      end()
    }
  }

  /** A fresh single-use access token for the consumer of a transfer. */
  private async accessToken(transfer: FlowTransfer): Promise<string> {
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
    await this.locks.run(`usage ${agreementId}`, async () => {
      const usage = (await this.usage.get(agreementId)) ?? { agreementId, uses: 0 }
      const counted = (await this.counted.get(transferId)) !== undefined
      const uses = counted ? Math.max(0, usage.uses - 1) : usage.uses
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
          { type: 'del', sublevel: this.counted, key: transferId },
        ],
      )
    })
    // The source's address is the provider's business: the consumer learns the kind of failure.
    return new DataSourceFailedError(
      `the provider cannot read the data of this transfer (${code}); it was not counted as a use`,
      { cause: error },
    )
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

  /**
   * The consumer's receipt must match what was sent: countersign it, and the control plane stores
   * it and completes the transfer before the countersigned receipt goes back.
   */
  private async complete(
    transferId: string,
    agreement: AgreementRecord,
    receipt: unknown,
    sent: SentContent,
  ): Promise<TransferReceipt> {
    const r = (receipt ?? {}) as Partial<TransferReceipt>
    const expected = {
      agreement: agreement.id,
      transfer: transferId,
      provider: this.components.nodeKey.did,
      consumer: agreement.consumer,
      ...(await sent.totals()),
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
    await this.signals?.completed(transferId, {
      bytes: countersigned.bytes,
      sha256: countersigned.sha256,
      receipt: countersigned,
    })
    return countersigned
  }
}

/** Why a used-up grant opens nothing: the consumer's operator reads what to do. */
function grantUsedReason(transferId: string): string {
  return `the data of transfer ${transferId} was delivered whole and its access is used up; start a new transfer (it counts as a new use)`
}

function revokedReason(agreementId: string): string {
  return `agreement ${agreementId} was revoked by the provider`
}
