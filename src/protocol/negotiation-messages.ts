import { buildMessage } from './build-message.js'
import type { DspContext } from './context.js'

/** ODRL operators the DSP 2025-1 contract schema admits. */
export type Operator =
  | 'eq'
  | 'gt'
  | 'gteq'
  | 'lteq'
  | 'hasPart'
  | 'isA'
  | 'isAllOf'
  | 'isAnyOf'
  | 'isNoneOf'
  | 'isPartOf'
  | 'lt'
  | 'term-lteq'
  | 'neq'

/** `leftOperand operator rightOperand`, e.g. `dateTime lteq 2023-12-31T06:00Z`. */
export interface AtomicConstraint {
  leftOperand: string
  operator: Operator
  rightOperand: string | Record<string, unknown> | unknown[]
  [property: string]: unknown
}

/** Exactly one of `and`, `andSequence`, `or`, `xone` over nested constraints. */
export interface LogicalConstraint {
  and?: Constraint[]
  andSequence?: Constraint[]
  or?: Constraint[]
  xone?: Constraint[]
  [property: string]: unknown
}

/** An ODRL constraint as DSP writes it (compacted JSON-LD). */
export type Constraint = AtomicConstraint | LogicalConstraint

/** An ODRL rule: a permission, prohibition or duty. */
export interface Rule {
  action: string
  constraint?: Constraint[]
  [property: string]: unknown
}

/** Fields shared by every DSP policy (ODRL `Policy`): `@id` and at least one permission or prohibition. */
export interface PolicyClass {
  '@id': string
  profile?: string | string[]
  permission?: Rule[]
  prohibition?: Rule[]
  obligation?: Rule[]
  [property: string]: unknown
}

/** An offer inside a catalog `Dataset` (`hasPolicy`): it MUST NOT carry a `target`, the dataset is it. */
export interface Offer extends PolicyClass {
  '@type'?: 'Offer'
}

/** An offer inside a negotiation message: names its `target` dataset. */
export interface MessageOffer extends PolicyClass {
  '@type': 'Offer'
  target?: string
}

/** The agreed policy: target, both parties and the time of agreement. */
export interface Agreement extends PolicyClass {
  '@type': 'Agreement'
  target: string
  assigner: string
  assignee: string
  /** xsd:dateTime. */
  timestamp?: string
}

/** The states of a contract negotiation, as the `state` of a `ContractNegotiation` ACK names them. */
export const NEGOTIATION_STATES = [
  'REQUESTED',
  'OFFERED',
  'ACCEPTED',
  'AGREED',
  'VERIFIED',
  'FINALIZED',
  'TERMINATED',
] as const

/** One of {@link NEGOTIATION_STATES}. */
export type NegotiationState = (typeof NEGOTIATION_STATES)[number]

/** Consumer asks for (or counters with) an offer. Initial: `callbackAddress`; later: `providerPid`. */
export interface ContractRequestMessage {
  '@context': DspContext
  '@type': 'ContractRequestMessage'
  consumerPid: string
  providerPid?: string
  offer: MessageOffer
  callbackAddress?: string
}

/** Provider offers (or counters). Initial: `callbackAddress`; later: `consumerPid`. */
export interface ContractOfferMessage {
  '@context': DspContext
  '@type': 'ContractOfferMessage'
  providerPid: string
  consumerPid?: string
  offer: MessageOffer & { '@id': string; target: string }
  callbackAddress?: string
}

/** Provider agrees; carries the ODRL `Agreement`. */
export interface ContractAgreementMessage {
  '@context': DspContext
  '@type': 'ContractAgreementMessage'
  providerPid: string
  consumerPid: string
  agreement: Agreement
}

/** Consumer confirms the agreement. */
export interface ContractAgreementVerificationMessage {
  '@context': DspContext
  '@type': 'ContractAgreementVerificationMessage'
  providerPid: string
  consumerPid: string
}

/** `ACCEPTED` (from the consumer) or `FINALIZED` (from the provider). */
export interface ContractNegotiationEventMessage {
  '@context': DspContext
  '@type': 'ContractNegotiationEventMessage'
  providerPid: string
  consumerPid: string
  eventType: 'ACCEPTED' | 'FINALIZED'
}

/** Either side ends the negotiation. */
export interface ContractNegotiationTerminationMessage {
  '@context': DspContext
  '@type': 'ContractNegotiationTerminationMessage'
  providerPid: string
  consumerPid: string
  code?: string
  reason?: unknown[]
}

/** The ACK of every negotiation message, and the answer to a state query. */
export interface ContractNegotiation {
  '@context': DspContext
  '@type': 'ContractNegotiation'
  providerPid: string
  consumerPid: string
  state: NegotiationState
}

/** The error answer of the negotiation protocol. */
export interface ContractNegotiationError {
  '@context': DspContext
  '@type': 'ContractNegotiationError'
  providerPid: string
  consumerPid: string
  code?: string
  reason?: unknown[]
}

/** Every message of the contract negotiation protocol. */
export type NegotiationMessage =
  | ContractRequestMessage
  | ContractOfferMessage
  | ContractAgreementMessage
  | ContractAgreementVerificationMessage
  | ContractNegotiationEventMessage
  | ContractNegotiationTerminationMessage
  | ContractNegotiation
  | ContractNegotiationError

/** A message's own fields: everything but `@context` and `@type`, which the builders write. */
export type MessageFields<T> = Omit<T, '@context' | '@type'>

/**
 * Builds a valid `ContractRequestMessage`; throws `InvalidMessageError` naming the bad field.
 *
 * @example
 * ```ts
 * createContractRequestMessage({ consumerPid, callbackAddress, offer: { '@type': 'Offer', '@id': offerId,
 *   target: datasetId, permission: [{ action: 'use' }] } })
 * ```
 */
export function createContractRequestMessage(
  fields: MessageFields<ContractRequestMessage>,
): ContractRequestMessage {
  return buildMessage('ContractRequestMessage', fields)
}

/** Builds a valid `ContractOfferMessage`. */
export function createContractOfferMessage(
  fields: MessageFields<ContractOfferMessage>,
): ContractOfferMessage {
  return buildMessage('ContractOfferMessage', fields)
}

/** Builds a valid `ContractAgreementMessage`. */
export function createContractAgreementMessage(
  fields: MessageFields<ContractAgreementMessage>,
): ContractAgreementMessage {
  return buildMessage('ContractAgreementMessage', fields)
}

/** Builds a valid `ContractAgreementVerificationMessage`. */
export function createContractAgreementVerificationMessage(
  fields: MessageFields<ContractAgreementVerificationMessage>,
): ContractAgreementVerificationMessage {
  return buildMessage('ContractAgreementVerificationMessage', fields)
}

/** Builds a valid `ContractNegotiationEventMessage`. */
export function createContractNegotiationEventMessage(
  fields: MessageFields<ContractNegotiationEventMessage>,
): ContractNegotiationEventMessage {
  return buildMessage('ContractNegotiationEventMessage', fields)
}

/** Builds a valid `ContractNegotiationTerminationMessage`. */
export function createContractNegotiationTerminationMessage(
  fields: MessageFields<ContractNegotiationTerminationMessage>,
): ContractNegotiationTerminationMessage {
  return buildMessage('ContractNegotiationTerminationMessage', fields)
}

/** Builds a valid `ContractNegotiation` ACK. */
export function createContractNegotiation(fields: MessageFields<ContractNegotiation>): ContractNegotiation {
  return buildMessage('ContractNegotiation', fields)
}

/** Builds a valid `ContractNegotiationError`. */
export function createContractNegotiationError(
  fields: MessageFields<ContractNegotiationError>,
): ContractNegotiationError {
  return buildMessage('ContractNegotiationError', fields)
}
