/**
 * @packageDocumentation
 * Verifiable credentials for Allmende: an offline JSON-LD document loader (bundled contexts, no network),
 * Data Integrity `eddsa-rdfc-2022` credentials and presentations, bilateral agreement credentials with a
 * proof set (every proof must verify, signers exactly assigner and assignee), Bitstring Status List
 * revocation, and short-lived EdDSA JWT access and ID tokens.
 *
 * @example
 * ```ts
 * const offer = await issueAgreementCredential(agreement, providerKey, { credentialStatus: await lists.allocate() })
 * const signed = await countersignAgreementCredential(offer, consumerKey)
 * const result = await verifyAgreementCredential(signed, { statusChecker: new StatusListCache({ fetcher }) })
 * if (!result.verified) console.log(result.check, result.message)
 * const vp = await presentAgreement(signed, consumerKey, { challenge: nonce, domain: verifierDid })
 * ```
 */

export {
  type AccessTokenClaims,
  type IdTokenClaims,
  issueAccessToken,
  issueIdToken,
  MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
  MAX_ID_TOKEN_LIFETIME_SECONDS,
  TokenVerifier,
} from './access-token.js'
export {
  AGREEMENT_CREDENTIAL_CONTEXT,
  AGREEMENT_CREDENTIAL_TYPE,
  type AgreementVerification,
  AgreementVerifier,
  agreementOf,
  countersignAgreementCredential,
  issueAgreementCredential,
  type OdrlAgreement,
  type OdrlConstraint,
  type OdrlRule,
  verifyAgreementCredential,
} from './agreement.js'
export {
  type AgreementPresentationVerification,
  DESCRIPTOR_SIDE_FIELD,
  presentAgreement,
  STATUS_LIST_SIDE_FIELD,
  type VerifyAgreementPresentationOptions,
  verifyAgreementPresentation,
} from './agreement-presentation.js'
export { contentHash } from './canonical-json.js'
export { credentialModelProblems, presentationModelProblems } from './data-model.js'
export {
  ALLMENDE_CONTEXT_V1,
  bundledContexts,
  CREDENTIALS_CONTEXT_V2,
  contextIriOfFile,
  createDocumentLoader,
  type DocumentLoader,
  ODRL_CONTEXT,
  type RemoteDocument,
} from './document-loader.js'
export {
  CredentialIssuerError,
  InvalidCredentialError,
  StatusListError,
  StatusListUnavailableError,
  TokenError,
  type TokenFailure,
  UnknownDocumentError,
} from './errors.js'
export { ReplayCache } from './replay-cache.js'
export type { SigningKey } from './signing.js'
export {
  parseStatusListUrl,
  STATUS_LIST_LENGTH,
  type StatusEntry,
  StatusListCache,
  type StatusListFetcher,
  StatusListIssuer,
  statusListUrl,
} from './status-list.js'
export { StatusListSource } from './status-list-source.js'
export {
  addProof,
  type CredentialVerification,
  checkPresentationProof,
  checkValidityPeriod,
  issueCredential,
  type PresentationVerification,
  presentCredentials,
  type StatusChecker,
  type VerifyOptions,
  type VerifyPresentationOptions,
  verifyCredential,
  verifyPresentation,
} from './vc.js'
export { loadVcLibraries } from './vc-libraries.js'
export type {
  JsonLdObject,
  RevocationStatus,
  VerificationCheck,
  VerificationFailure,
} from './verification.js'
