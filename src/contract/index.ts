/**
 * @packageDocumentation
 * Contract negotiation: the DSP negotiation state machine as data (who may send what in which
 * state) and a pure transition function; illegal moves come back as typed errors.
 *
 * @example
 * ```ts
 * const step = transitionNegotiation(negotiation.state, message, 'consumer')
 * if (!step.ok) throw step.error // IllegalTransitionError, code ALLMENDE_ILLEGAL_TRANSITION
 * if (!step.repeat) await save({ ...negotiation, state: step.state })
 * ```
 */

export { AgreementRevocation, type AgreementRevocationComponents } from './agreement-revocation.js'
export { agreementFromOffer, credentialAgreementOf, sameTerms } from './agreement-terms.js'
export {
  CONNECTOR_OPERAND,
  type ContractDecisionFacts,
  decideOnOffer,
  MEMBERSHIP_OPERAND,
  type ProviderFacts,
  requestFacts,
} from './contract-decision.js'
export { type DeclarableFact, type Declarations, declaredFacts, readDeclarations } from './declarations.js'
export { AgreementMismatchError, NegotiationRefusedError } from './errors.js'
export {
  allowedNegotiationMoves,
  isLateRepeat,
  isTerminalNegotiationState,
  NEGOTIATION_INITIAL,
  NEGOTIATION_MOVE_TARGETS,
  NEGOTIATION_MOVES,
  NEGOTIATION_STATES,
  NEGOTIATION_TABLE,
  NEGOTIATION_TRANSITIONS,
  type NegotiationFrom,
  type NegotiationMove,
  type NegotiationMoveMessage,
  type NegotiationRole,
  type NegotiationState,
  type NegotiationTransition,
  type NegotiationWork,
  negotiationMoveOf,
  negotiationWorkOf,
  transitionNegotiation,
} from './negotiation-machine.js'
export {
  type AgreementProof,
  type AgreementRecord,
  MESSAGE_EXTENSIONS,
  type Negotiation,
  type NegotiationStep,
} from './negotiation-record.js'
export {
  type ContractDecision,
  type ContractDecisionInput,
  type ContractRequest,
  type NegotiationComponents,
  type NegotiationInit,
  type NegotiationMessenger,
  type NegotiationRoute,
  NegotiationService,
} from './negotiation-service.js'
export { providedFactsOf } from './provided-facts.js'
export { providerAddressOf } from './provider-address.js'
export { type ProviderDecisionInit, providerDecision } from './provider-decision.js'
