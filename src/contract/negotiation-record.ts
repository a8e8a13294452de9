import type { MessageOffer, NegotiationState } from '../protocol/index.js'
import type { Declarations } from './declarations.js'
import type { NegotiationRole } from './negotiation-machine.js'

/** One step of a negotiation's history, with the reason when there is one. */
export interface NegotiationStep {
  readonly state: NegotiationState
  readonly at: string
  readonly code?: string
  readonly reason?: string
}

/**
 * A contract negotiation as this node keeps it, keyed by its own process id (`providerPid` on the
 * provider, `consumerPid` on the consumer).
 */
export interface Negotiation {
  readonly id: string
  readonly role: NegotiationRole
  readonly consumerPid: string
  readonly providerPid?: string
  /** DID of the other party. */
  readonly counterparty: string
  readonly state: NegotiationState
  readonly datasetId: string
  readonly offer: MessageOffer
  /** The purpose the consumer declared (an IRI, e.g. a DPV purpose). */
  readonly purpose?: string
  /** What else the consumer declared about itself (role, location, security profile). */
  readonly declared?: Declarations
  readonly agreementId?: string
  /** Provider side: why the request waits for a data officer's approval. */
  readonly awaitingApproval?: string
  /** The agreement credential: the provider's proof from AGREED, both proofs from VERIFIED. */
  readonly credential?: Record<string, unknown>
  /**
   * The other party's DSP HTTP address, for peers reached over HTTPS: the consumer's
   * `callbackAddress` (provider side) or the provider's DSP base URL (consumer side). Absent for
   * libp2p peers.
   */
  readonly callbackAddress?: string
  /** The ODRL agreement as the provider sent it, kept when no agreement credential carries it. */
  readonly agreement?: Record<string, unknown>
  /** What proves the agreement once VERIFIED (see {@link AgreementProof}). */
  readonly agreementProof?: AgreementProof
  readonly history: readonly NegotiationStep[]
  readonly created: string
  readonly updated: string
}

/** A concluded contract as `GET /api/v1/agreements` lists it. */
export interface AgreementRecord {
  readonly id: string
  readonly negotiationId: string
  readonly role: NegotiationRole
  readonly provider: string
  readonly consumer: string
  readonly datasetId: string
  readonly purpose?: string
  /** What the consumer declared about itself when it asked: judged again at every use. */
  readonly declared?: Declarations
  readonly credential: Record<string, unknown>
  /** What proves the agreement; absent on records from before HTTP peers (a countersigned credential). */
  readonly agreementProof?: AgreementProof
  /** The ODRL agreement, when no credential carries it (an HTTP provider that does not sign). */
  readonly agreement?: Record<string, unknown>
  readonly concluded: string
}

/**
 * What proves a concluded agreement: the agreement credential with both parties' proofs
 * (Allmende peers over either binding); the consumer's `ContractAgreementVerificationMessage`
 * (a foreign DSP consumer over HTTPS that does not countersign: the credential carries the
 * provider's proof only); or the provider's `ContractAgreementMessage` (a foreign DSP provider
 * that issues no credential). The messages are authenticated by the sender's ID token and kept in
 * the audit log.
 */
export type AgreementProof = 'countersigned-credential' | 'verification-message' | 'agreement-message'

/** Extension members Allmende adds to DSP messages (the schemas allow extra members). */
export const MESSAGE_EXTENSIONS = {
  /** The purpose a consumer declares in its `ContractRequestMessage`. */
  purpose: 'https://w3id.org/allmende#purpose',
  /** What else a consumer declares about itself in its `ContractRequestMessage` ({@link Declarations}). */
  declared: 'https://w3id.org/allmende#declared',
  /** The agreement credential in `ContractAgreementMessage` (provider proof) and verification (both). */
  credential: 'https://w3id.org/allmende#agreementCredential',
} as const
