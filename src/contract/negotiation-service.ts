import { randomUUID } from 'node:crypto'
import type { AuditLog } from '../audit/index.js'
import {
  countersignAgreementCredential,
  InvalidCredentialError,
  issueAgreementCredential,
  type StatusEntry,
  type VerifyOptions,
  verifyAgreementCredential,
} from '../credentials/index.js'
import type { NodeKey } from '../identity/index.js'
import type { Clock } from '../lifecycle/index.js'
import type { Logger } from '../log/index.js'
import { ProcessManager } from '../process/index.js'
import {
  type ContractNegotiation,
  createContractAgreementMessage,
  createContractAgreementVerificationMessage,
  createContractNegotiation,
  createContractNegotiationEventMessage,
  createContractNegotiationTerminationMessage,
  createContractRequestMessage,
  type DspMessage,
  InvalidInputError,
  InvalidMessageError,
  type MessageOffer,
  type NegotiationState,
  type PeerAddressing,
} from '../protocol/index.js'
import type { BatchOp, Store, Sublevel } from '../store/index.js'
import { agreementFromOffer, credentialAgreementOf, sameTerms } from './agreement-terms.js'
import { type Declarations, readDeclarations } from './declarations.js'
import { AgreementMismatchError } from './errors.js'
import {
  isLateRepeat,
  NEGOTIATION_TABLE,
  type NegotiationMove,
  type NegotiationMoveMessage,
  type NegotiationRole,
  negotiationMoveOf,
  negotiationWorkOf,
  transitionNegotiation,
} from './negotiation-machine.js'
import {
  type AgreementProof,
  type AgreementRecord,
  MESSAGE_EXTENSIONS,
  type Negotiation,
} from './negotiation-record.js'

/** Where a message for a peer reached over DSP HTTP goes: its address and the receiving role. */
export interface NegotiationRoute {
  /** The peer's DSP address (`callbackAddress` or base URL); absent or `/p2p/...` means libp2p. */
  readonly callbackAddress?: string
  /** The role of the receiving party: picks the path under the address. */
  readonly recipient: NegotiationRole
}

/**
 * Sends a negotiation message to a peer (by DID) and returns its answer; a binding implements it.
 * With an `http(s)://` route the connector's messenger posts it over DSP HTTP, else over libp2p.
 */
export interface NegotiationMessenger {
  send(peer: string, message: unknown, route?: NegotiationRoute): Promise<DspMessage>
}

/** What the provider decides on: the dataset, the offer as requested, who asks and for what. */
export interface ContractDecisionInput {
  readonly datasetId: string
  readonly offer: MessageOffer
  readonly consumer: string
  readonly purpose?: string
  readonly declared?: Declarations
  /** A data officer approved this request (offers that need manual approval). */
  readonly approved: boolean
  /** The consumer's DSP HTTP callback, when it asked over HTTPS (absent over libp2p). */
  readonly callbackAddress?: string
}

/**
 * The provider's decision: agree on its own published offer, refuse with a code and a sentence, or
 * hold the request for a data officer's approval (it stays REQUESTED).
 */
export type ContractDecision =
  | { readonly agree: true; readonly offer: MessageOffer }
  | { readonly agree: false; readonly code: string; readonly reason: string }
  | { readonly agree: 'hold'; readonly reason: string }

export interface NegotiationComponents {
  readonly store: Store
  readonly audit: AuditLog
  readonly nodeKey: NodeKey
  readonly clock: Clock
  readonly log: Logger
  readonly messenger: NegotiationMessenger
}

export interface NegotiationInit {
  /** Provider side: decides a request (membership, assignee, purpose, constraints). */
  decide(input: ContractDecisionInput): Promise<ContractDecision>
  /** Provider side: a revocation entry for a new agreement credential. */
  allocateStatus?(): Promise<StatusEntry>
  /** Verification options for agreement credentials (status lists, DID resolution). */
  verifyOptions?: VerifyOptions
  /**
   * Delivery attempts before a negotiation is ended for an unreachable peer (default 12: about three
   * minutes, so a peer's restart on a slow machine is ridden out).
   */
  maxDeliveryAttempts?: number
  /** Which binding reaches a peer, and this node's own address on it (the dispatcher knows both). */
  addressing: PeerAddressing
}

/** The consumer's request: which provider, dataset and offer, and the purpose it declares. */
export interface ContractRequest {
  readonly provider: string
  readonly datasetId: string
  readonly offer: MessageOffer
  readonly purpose?: string
  /** What the consumer declares about itself beside the purpose. */
  readonly declared?: Declarations
  /** The provider's DSP HTTP base URL (`…/dsp/2025-1`) when it is reached over HTTPS, not libp2p. */
  readonly providerAddress?: string
}

/** The negotiations of this node on the process skeleton. */
type Negotiations = ProcessManager<Negotiation, NegotiationState, NegotiationMove, ContractNegotiation>

/**
 * Contract negotiation on both sides (DSP 2025-1 over any binding). Every transition is checked
 * against the state table, stored together with its audit entry and any message it causes in one
 * atomic batch, and only then sent (store before you send); an outbox worker delivers and, after a
 * restart, re-delivers. Repeated messages are answered with the current state and change nothing.
 */
export class NegotiationService {
  private readonly manager: Negotiations
  private readonly processes: Negotiations['processes']
  private readonly agreements: Sublevel<AgreementRecord>

  constructor(
    private readonly components: NegotiationComponents,
    private readonly init: NegotiationInit,
  ) {
    const { store } = components
    this.manager = new ProcessManager(
      components,
      {
        sublevel: 'negotiations',
        // a negotiation reads its record at every step; its records are written by commit() alone
        cachedRecords: 1024,
        auditData: (negotiation) => ({ dataset: negotiation.datasetId }),
        table: NEGOTIATION_TABLE,
        workOf: negotiationWorkOf,
        terminationMessage: createContractNegotiationTerminationMessage,
        ackOf,
      },
      init.maxDeliveryAttempts,
    )
    this.processes = this.manager.processes
    this.agreements = store.sublevel<AgreementRecord>('agreements')
  }

  /**
   * Re-drives what a previous run stored but could not finish: undelivered messages (a request
   * not yet acknowledged among them) and this side's pending step in every negotiation.
   */
  async start(): Promise<void> {
    await this.manager.start((negotiation) => this.resumeWork(negotiation))
  }

  stop(): void {
    this.manager.stop()
  }

  /** Starts the step this side owes in a negotiation's work state (see {@link negotiationWorkOf}). */
  private resumeWork(negotiation: Negotiation): void {
    switch (negotiationWorkOf(negotiation)) {
      case 'AGREEING':
        this.decideLater(negotiation.id)
        return
      case 'VERIFYING':
        void this.verify(negotiation.id)
        return
      case 'FINALIZING':
        this.processes
          .withLock(negotiation.id, () => this.completeFinalization(negotiation.id))
          .catch((err: Error) =>
            this.components.log.error({ err, negotiation: negotiation.id }, 'finalization failed'),
          )
        return
      default:
        // REQUESTING is the outbox's: the stored request is re-delivered by resume().
        return
    }
  }

  // ---- consumer API ------------------------------------------------------------------------

  /** Opens a negotiation as consumer; resolves once the provider acknowledged the request. */
  async request(request: ContractRequest): Promise<Negotiation> {
    const consumerPid = `urn:uuid:${randomUUID()}`
    const offer: MessageOffer = { ...request.offer, '@type': 'Offer', target: request.datasetId }
    const overHttp = this.init.addressing.bindingOf(request.providerAddress) === 'http'
    const ownAddress = this.init.addressing.ownAddress(overHttp ? 'http' : 'libp2p')
    if (ownAddress === undefined) {
      throw new InvalidInputError(
        'this node has no DSP HTTP listener for the provider to answer; start it with --dsp-port (and --dsp-public-url)',
      )
    }
    const message = {
      ...createContractRequestMessage({
        consumerPid,
        offer,
        // spec/libp2p-framing.md: over libp2p the callback is the consumer's own peer address
        callbackAddress: ownAddress,
      }),
      ...(request.purpose === undefined ? {} : { [MESSAGE_EXTENSIONS.purpose]: request.purpose }),
      ...(isEmpty(request.declared) ? {} : { [MESSAGE_EXTENSIONS.declared]: request.declared }),
    }
    const negotiation: Negotiation = {
      ...this.manager.opening('ContractRequestMessage', {
        role: 'consumer',
        consumerPid,
        counterparty: request.provider,
      }),
      datasetId: request.datasetId,
      offer,
      ...(request.purpose === undefined ? {} : { purpose: request.purpose }),
      ...(isEmpty(request.declared) ? {} : { declared: request.declared }),
      ...(overHttp ? { callbackAddress: request.providerAddress } : {}),
    }
    // REQUESTING: stored with the request in one batch; the provider's ACK completes it. One
    // attempt now (the caller waits for it), another after a restart.
    const send = this.manager.send(negotiation, message, { maxAttempts: 1 })
    return this.manager.open(negotiation, send, {}, REQUEST_WAIT_MS)
  }

  /** Resolves when the negotiation reaches one of `states` (or a terminal state), or rejects on timeout. */
  async waitFor(id: string, states: readonly NegotiationState[], timeoutMs: number): Promise<Negotiation> {
    return this.manager.waitFor(id, states, timeoutMs)
  }

  // ---- queries -----------------------------------------------------------------------------

  async get(id: string): Promise<Negotiation | undefined> {
    return this.processes.get(id)
  }

  async list(): Promise<Negotiation[]> {
    return this.processes.list()
  }

  async getAgreement(id: string): Promise<AgreementRecord | undefined> {
    return this.agreements.get(id)
  }

  async listAgreements(): Promise<AgreementRecord[]> {
    return this.agreements.values().all()
  }

  // ---- protocol: messages from the counterparty ---------------------------------------------

  /**
   * Handles one inbound negotiation message from `caller` (a DID) and returns the ACK. The process is
   * found by the pid of this side (never by what the message type implies), so a move sent to the
   * wrong side is judged by the transition table (`ALLMENDE_ILLEGAL_TRANSITION`) on every binding.
   */
  async handle(message: DspMessage, caller: string): Promise<ContractNegotiation> {
    switch (message['@type']) {
      case 'ContractRequestMessage':
        if (message.providerPid === undefined) return this.onInitialRequest(message, caller)
        return this.onMove(await this.ownPid(message), message, caller)
      case 'ContractAgreementMessage':
      case 'ContractNegotiationEventMessage':
      case 'ContractOfferMessage':
      case 'ContractAgreementVerificationMessage':
        return this.onMove(await this.ownPid(message), message, caller)
      case 'ContractNegotiationTerminationMessage':
        return this.onTermination(message, caller)
      default:
        throw new InvalidMessageError(`${message['@type']} is not a contract negotiation message`)
    }
  }

  /** The pid of this side's process a message names: the provider's when this node provides it, else the consumer's. */
  private async ownPid(message: { providerPid?: string; consumerPid?: string }): Promise<string> {
    const { providerPid, consumerPid = '' } = message
    if (providerPid === undefined) return consumerPid
    return (await this.processes.get(providerPid))?.role === 'provider' ? providerPid : consumerPid
  }

  /** The ACK for a negotiation the caller is party to (`GET /negotiations/:pid`). */
  async describe(pid: string, caller: string): Promise<ContractNegotiation> {
    return this.manager.describe(pid, caller)
  }

  private async onInitialRequest(
    message: Extract<DspMessage, { '@type': 'ContractRequestMessage' }>,
    caller: string,
  ): Promise<ContractNegotiation> {
    return this.manager.onOpening(caller, message.consumerPid, async (existing) => {
      if (existing !== undefined) return ackOf(existing)
      const opening = this.manager.opening(negotiationMoveOf(message), {
        role: 'provider',
        consumerPid: message.consumerPid,
        providerPid: `urn:uuid:${randomUUID()}`,
        counterparty: caller,
      })
      const target = message.offer.target
      if (target === undefined) throw new InvalidMessageError('the requested offer names no target dataset')
      const purpose = message[MESSAGE_EXTENSIONS.purpose as keyof typeof message]
      const declared = readDeclarations(message[MESSAGE_EXTENSIONS.declared as keyof typeof message])
      const negotiation: Negotiation = {
        ...opening,
        datasetId: target,
        offer: message.offer,
        ...(typeof purpose === 'string' ? { purpose } : {}),
        ...(isEmpty(declared) ? {} : { declared }),
        ...(this.overHttp(message.callbackAddress) ? { callbackAddress: message.callbackAddress } : {}),
      }
      await this.processes.commit(negotiation, 'negotiation.requested', [this.manager.asked(negotiation)])
      this.decideLater(negotiation.id)
      return ackOf(negotiation)
    })
  }

  /** A move on an existing negotiation: checked, stored, then followed up by this side's next step. */
  private async onMove(
    pid: string,
    message: NegotiationMoveMessage,
    caller: string,
  ): Promise<ContractNegotiation> {
    return this.manager.inbound(pid, caller, async (negotiation, sender) => {
      const step = transitionNegotiation(negotiation.state, message, sender)
      const passed = negotiation.history.map((h) => h.state)
      if (!step.ok && isLateRepeat(passed, negotiationMoveOf(message), sender)) return ackOf(negotiation)
      if (!step.ok) throw step.error
      if (step.repeat) {
        // A redelivery after a crash between this side's two steps: finish the second one now.
        if (negotiationWorkOf(negotiation) === 'FINALIZING') await this.completeFinalization(pid)
        return ackOf(await this.mustGet(pid))
      }
      switch (step.state) {
        case 'AGREED':
          return this.onAgreement(
            negotiation,
            message as Extract<DspMessage, { '@type': 'ContractAgreementMessage' }>,
          )
        case 'VERIFIED':
          return this.onVerification(negotiation, message)
        case 'FINALIZED':
          return this.onFinalized(negotiation)
        default: {
          // REQUESTED again, OFFERED or ACCEPTED: Allmende publishes fixed offers and never counters,
          // so the legal moves that lead here cannot occur in a negotiation it runs.
          const updated = this.move(negotiation, negotiationMoveOf(message), sender)
          await this.processes.commit(updated, `negotiation.${step.state.toLowerCase()}`)
          return ackOf(updated)
        }
      }
    })
  }

  /** Consumer: the provider agreed. Check the credential matches what was asked, store, countersign. */
  private async onAgreement(
    negotiation: Negotiation,
    message: Extract<DspMessage, { '@type': 'ContractAgreementMessage' }>,
  ): Promise<ContractNegotiation> {
    const credential = (message as unknown as Record<string, unknown>)[MESSAGE_EXTENSIONS.credential]
    // A foreign DSP provider over HTTPS issues no agreement credential: its authenticated message is the proof.
    const unsigned = credential === undefined && this.overHttp(negotiation.callbackAddress)
    const problem = agreementProblem(
      negotiation,
      message.agreement,
      credential,
      this.components.nodeKey.did,
      unsigned,
    )
    if (problem !== undefined) throw new AgreementMismatchError(problem)
    const updated: Negotiation = {
      ...this.move(negotiation, 'ContractAgreementMessage', 'provider'),
      providerPid: message.providerPid,
      agreementId: message.agreement['@id'],
      ...(unsigned
        ? { agreement: message.agreement as unknown as Record<string, unknown> }
        : { credential: credential as Record<string, unknown> }),
    }
    await this.processes.commit(updated, 'negotiation.agreed', [], { agreement: message.agreement['@id'] })
    void this.verify(negotiation.id)
    return ackOf(updated)
  }

  /** Provider: the consumer countersigned. Both proofs must verify; then FINALIZED. */
  private async onVerification(
    negotiation: Negotiation,
    message: NegotiationMoveMessage,
  ): Promise<ContractNegotiation> {
    const credential = (message as unknown as Record<string, unknown>)[MESSAGE_EXTENSIONS.credential]
    if (credential === undefined && this.overHttp(negotiation.callbackAddress)) {
      // A foreign DSP consumer does not countersign: its authenticated verification message is its consent.
      return this.finalize(negotiation, 'verification-message', { verification: message })
    }
    const result =
      typeof credential === 'object' && credential !== null
        ? await verifyAgreementCredential(credential as Record<string, unknown>, this.verifyOptions())
        : {
            verified: false as const,
            check: 'counter-proof-missing',
            message: 'no countersigned agreement credential',
          }
    const sameAgreement =
      result.verified &&
      result.agreement.uid === negotiation.agreementId &&
      result.assignee === negotiation.counterparty
    if (!result.verified || !sameAgreement) {
      const reason = result.verified
        ? 'the countersigned credential is not the agreement of this negotiation'
        : `the countersigned agreement credential failed the ${result.check} check: ${result.message}`
      // The consumer's verification arrived (its move), and this side refuses it (the provider's).
      const received = this.move(negotiation, 'ContractAgreementVerificationMessage', 'consumer')
      const terminated = this.move(
        received,
        'ContractNegotiationTerminationMessage',
        'provider',
        'AGREEMENT_NOT_VERIFIED',
        reason,
      )
      await this.processes.commit(terminated, 'negotiation.terminated', this.send(terminated))
      return ackOf(terminated)
    }
    return this.finalize(
      { ...negotiation, credential: credential as Record<string, unknown> },
      'countersigned-credential',
      {},
    )
  }

  /**
   * Provider: records VERIFIED with its proof; FINALIZED with the agreement and the event to the
   * consumer follow as the FINALIZING step, which a restart or the consumer's redelivery resumes.
   */
  private async finalize(
    negotiation: Negotiation,
    agreementProof: AgreementProof,
    auditData: Record<string, unknown>,
  ): Promise<ContractNegotiation> {
    const verified: Negotiation = {
      ...this.move(negotiation, 'ContractAgreementVerificationMessage', 'consumer'),
      agreementProof,
    }
    await this.processes.commit(verified, 'negotiation.verified', [], { agreementProof, ...auditData })
    await this.completeFinalization(negotiation.id)
    return ackOf(verified)
  }

  /** Provider, FINALIZING: FINALIZED with the agreement record and the event to the consumer, in one batch. */
  private async completeFinalization(id: string): Promise<void> {
    const verified = await this.mustGet(id)
    if (negotiationWorkOf(verified) !== 'FINALIZING') return
    const finalized = this.move(verified, 'FINALIZED', 'provider')
    const event = createContractNegotiationEventMessage({
      providerPid: id,
      consumerPid: verified.consumerPid,
      eventType: 'FINALIZED',
    })
    await this.processes.commit(finalized, 'negotiation.finalized', [
      ...this.send(finalized, event as unknown as Record<string, unknown>),
      this.agreementOp(finalized),
    ])
  }

  /**
   * Consumer: the provider finalized. Both proofs are already known good here: the provider's was
   * verified before countersigning (countersignAgreementCredential refuses otherwise) and the other
   * is this node's own, so the stored credential is not verified a second time (3-4 ms saved).
   */
  private async onFinalized(negotiation: Negotiation): Promise<ContractNegotiation> {
    const provable =
      negotiation.credential !== undefined || negotiation.agreementProof === 'agreement-message'
    if (!provable) {
      const reason = 'no agreement credential is stored for this negotiation'
      return ackOf(await this.manager.end(negotiation, 'AGREEMENT_NOT_VERIFIED', reason, true))
    }
    const finalized = this.move(negotiation, 'FINALIZED', 'provider')
    await this.processes.commit(finalized, 'negotiation.finalized', [this.agreementOp(finalized)])
    return ackOf(finalized)
  }

  private async onTermination(
    message: Extract<DspMessage, { '@type': 'ContractNegotiationTerminationMessage' }>,
    caller: string,
  ): Promise<ContractNegotiation> {
    const pid = await this.ownPid(message)
    return this.manager.inbound(pid, caller, async (negotiation, sender) => {
      const step = transitionNegotiation(negotiation.state, message, sender)
      if (!step.ok) throw step.error
      if (step.repeat) return ackOf(negotiation)
      const reason = Array.isArray(message.reason) ? message.reason.map(String).join('; ') : undefined
      const terminated = this.move(
        negotiation,
        'ContractNegotiationTerminationMessage',
        sender,
        message.code,
        reason,
      )
      await this.processes.commit(terminated, 'negotiation.terminated', [], { by: caller })
      return ackOf(terminated)
    })
  }

  // ---- this side's next steps ---------------------------------------------------------------

  /** Provider, AGREEING: decide a stored request and agree (credential with our proof) or terminate with a reason. */
  private async decide(id: string, approved = false): Promise<Negotiation> {
    return this.processes.withLock(id, async () => {
      const negotiation = await this.mustGet(id)
      if (negotiation.state !== 'REQUESTED' || negotiation.role !== 'provider') return negotiation
      const decision: ContractDecision = await this.init
        .decide({
          datasetId: negotiation.datasetId,
          offer: negotiation.offer,
          consumer: negotiation.counterparty,
          approved,
          ...(negotiation.purpose === undefined ? {} : { purpose: negotiation.purpose }),
          ...(negotiation.declared === undefined ? {} : { declared: negotiation.declared }),
          ...(negotiation.callbackAddress === undefined
            ? {}
            : { callbackAddress: negotiation.callbackAddress }),
        })
        .catch((error: Error) => ({ agree: false as const, code: 'PROVIDER_ERROR', reason: error.message }))
      if (decision.agree === 'hold') {
        if (negotiation.awaitingApproval !== undefined) return negotiation
        const held: Negotiation = { ...negotiation, awaitingApproval: decision.reason, updated: this.now() }
        await this.processes.commit(held, 'negotiation.held', [], { reason: decision.reason })
        return held
      }
      if (!decision.agree) return this.refuse(negotiation, decision.code, decision.reason)
      const agreement = agreementFromOffer(decision.offer, {
        uid: `urn:uuid:${randomUUID()}`,
        assigner: this.components.nodeKey.did,
        assignee: negotiation.counterparty,
        target: negotiation.datasetId,
        timestamp: this.components.clock(),
      })
      const status = await this.init.allocateStatus?.()
      let credential: Record<string, unknown>
      try {
        credential = await issueAgreementCredential(
          credentialAgreementOf(agreement),
          this.components.nodeKey,
          {
            id: agreement['@id'],
            now: this.components.clock(),
            ...(status === undefined ? {} : { credentialStatus: status }),
          },
        )
      } catch (error) {
        // An agreement the credential rules refuse (e.g. a prohibition naming a third party) can never be
        // issued: end the negotiation with that reason instead of leaving the request open forever.
        if (error instanceof InvalidCredentialError)
          return this.refuse(negotiation, error.code, error.message)
        throw error
      }
      const agreed: Negotiation = {
        ...this.move(negotiation, 'ContractAgreementMessage', 'provider'),
        agreementId: agreement['@id'],
        credential,
        offer: decision.offer,
      }
      const message = {
        ...createContractAgreementMessage({
          providerPid: id,
          consumerPid: negotiation.consumerPid,
          agreement,
        }),
        [MESSAGE_EXTENSIONS.credential]: credential,
      }
      await this.processes.commit(agreed, 'negotiation.agreed', this.send(agreed, message), {
        agreement: agreement['@id'],
      })
      return agreed
    })
  }

  /** Provider: ends a request it will not agree to, telling the consumer why. */
  private async refuse(negotiation: Negotiation, code: string, reason: string): Promise<Negotiation> {
    const terminated = this.move(
      negotiation,
      'ContractNegotiationTerminationMessage',
      'provider',
      code,
      reason,
    )
    await this.processes.commit(terminated, 'negotiation.terminated', this.send(terminated))
    return terminated
  }

  /** Provider: a data officer approves a held request; the policy must still permit it. */
  async approve(id: string): Promise<Negotiation> {
    const negotiation = await this.mustGet(id)
    if (negotiation.role !== 'provider' || negotiation.state !== 'REQUESTED') {
      throw new InvalidInputError(
        `negotiation ${id} is ${negotiation.state} on the ${negotiation.role} side; only requests this node received and holds can be approved`,
      )
    }
    return this.decide(id, true)
  }

  /** Either side: ends a negotiation that is not yet concluded, telling the other party why. */
  async terminate(id: string, reason: string): Promise<Negotiation> {
    return this.processes.withLock(id, async () => {
      const negotiation = await this.mustGet(id)
      const step = transitionNegotiation(
        negotiation.state,
        'ContractNegotiationTerminationMessage',
        negotiation.role,
      )
      if (!step.ok) throw step.error
      if (step.repeat) return negotiation
      const terminated = this.move(
        negotiation,
        'ContractNegotiationTerminationMessage',
        negotiation.role,
        'TERMINATED_BY_OPERATOR',
        reason,
      )
      await this.processes.commit(terminated, 'negotiation.terminated', this.send(terminated))
      return terminated
    })
  }

  private decideLater(id: string): void {
    this.decide(id).catch((err: Error) =>
      this.components.log.error({ err, negotiation: id }, 'decision failed'),
    )
  }

  /** Consumer, VERIFYING: countersign the stored agreement and send the verification with both proofs. */
  private async verify(id: string): Promise<void> {
    await this.processes.withLock(id, async () => {
      const negotiation = await this.mustGet(id)
      if (negotiationWorkOf(negotiation) !== 'VERIFYING') return
      if (negotiation.credential === undefined) {
        if (negotiation.agreement === undefined) return
        // A foreign provider sent no credential to countersign: the plain verification message answers it.
        const verified: Negotiation = {
          ...this.move(negotiation, 'ContractAgreementVerificationMessage', 'consumer'),
          agreementProof: 'agreement-message',
        }
        const message = createContractAgreementVerificationMessage({
          providerPid: negotiation.providerPid ?? '',
          consumerPid: negotiation.id,
        })
        await this.processes.commit(
          verified,
          'negotiation.verified',
          this.send(verified, message as unknown as Record<string, unknown>),
          { agreementProof: 'agreement-message', agreement: negotiation.agreement },
        )
        return
      }
      let countersigned: Record<string, unknown>
      try {
        countersigned = await countersignAgreementCredential(
          negotiation.credential,
          this.components.nodeKey,
          {
            now: this.components.clock(),
          },
        )
      } catch (error) {
        const terminated = this.move(
          negotiation,
          'ContractNegotiationTerminationMessage',
          'consumer',
          'AGREEMENT_NOT_VERIFIED',
          (error as Error).message,
        )
        await this.processes.commit(terminated, 'negotiation.terminated', this.send(terminated))
        return
      }
      const verified: Negotiation = {
        ...this.move(negotiation, 'ContractAgreementVerificationMessage', 'consumer'),
        credential: countersigned,
        agreementProof: 'countersigned-credential',
      }
      const message = {
        ...createContractAgreementVerificationMessage({
          providerPid: negotiation.providerPid ?? '',
          consumerPid: negotiation.id,
        }),
        [MESSAGE_EXTENSIONS.credential]: countersigned,
      }
      await this.processes.commit(verified, 'negotiation.verified', this.send(verified, message))
    })
  }

  // ---- records and messages ------------------------------------------------------------------

  /** A message to the counterparty for the outbox; without `message`, the termination that `negotiation` ends with. */
  private send(negotiation: Negotiation, message?: Record<string, unknown>): BatchOp[] {
    return this.manager.send(negotiation, message)
  }

  private agreementOp(negotiation: Negotiation): BatchOp {
    const isProvider = negotiation.role === 'provider'
    const record: AgreementRecord = {
      id: negotiation.agreementId ?? '',
      negotiationId: negotiation.id,
      role: negotiation.role,
      provider: isProvider ? this.components.nodeKey.did : negotiation.counterparty,
      consumer: isProvider ? negotiation.counterparty : this.components.nodeKey.did,
      datasetId: negotiation.datasetId,
      ...(negotiation.purpose === undefined ? {} : { purpose: negotiation.purpose }),
      ...(negotiation.declared === undefined ? {} : { declared: negotiation.declared }),
      credential: negotiation.credential ?? {},
      ...(negotiation.agreementProof === undefined ? {} : { agreementProof: negotiation.agreementProof }),
      ...(negotiation.agreement === undefined ? {} : { agreement: negotiation.agreement }),
      concluded: this.now(),
    }
    return { type: 'put', sublevel: this.agreements, key: record.id, value: record }
  }

  /** The negotiation after `move` by `by`, checked against the state table. */
  private move(
    negotiation: Negotiation,
    move: NegotiationMove,
    by: NegotiationRole,
    code?: string,
    reason?: string,
  ): Negotiation {
    return this.manager.move(negotiation, move, by, code, reason)
  }

  /** Is the peer at `address` a DSP connector reached over HTTPS (maybe not Allmende), not a libp2p peer? */
  private overHttp(address: string | undefined): address is string {
    return address !== undefined && this.init.addressing.bindingOf(address) === 'http'
  }

  private verifyOptions(): VerifyOptions {
    return { now: this.components.clock(), ...this.init.verifyOptions }
  }

  private mustGet(id: string): Promise<Negotiation> {
    return this.manager.mustGet(id)
  }

  private now(): string {
    return this.manager.now()
  }
}

/** How long the caller of an initial request waits for the provider's ACK before it gets the REQUESTED negotiation. */
const REQUEST_WAIT_MS = 60_000

function ackOf(negotiation: Negotiation): ContractNegotiation {
  return createContractNegotiation({
    providerPid: negotiation.providerPid ?? '',
    consumerPid: negotiation.consumerPid,
    state: negotiation.state,
  })
}

/** Why an agreement from the provider does not match the negotiation, or undefined if it does. */
function agreementProblem(
  negotiation: Negotiation,
  agreement: { '@id': string; target: string; assigner: string; assignee: string },
  credential: unknown,
  self: string,
  unsigned: boolean,
): string | undefined {
  if (agreement.assigner !== negotiation.counterparty)
    return `the agreement's assigner ${agreement.assigner} is not the provider`
  if (agreement.assignee !== self) return `the agreement's assignee ${agreement.assignee} is not this node`
  if (agreement.target !== negotiation.datasetId)
    return `the agreement is for ${agreement.target}, not the requested dataset`
  if (!sameTerms(negotiation.offer, agreement as unknown as MessageOffer)) {
    return 'the agreement carries other terms than the offer that was requested'
  }
  if (unsigned) return undefined
  if (typeof credential !== 'object' || credential === null)
    return 'the agreement message carries no agreement credential'
  const subject = (credential as { credentialSubject?: { agreement?: { uid?: string } } }).credentialSubject
  if (subject?.agreement?.uid !== agreement['@id']) return 'the agreement credential is for another agreement'
  return undefined
}

function isEmpty(declared: Declarations | undefined): boolean {
  return declared === undefined || Object.keys(declared).length === 0
}
