import type { DidResolver } from '../identity/index.js'
import { credentialModelProblems, presentationModelProblems } from './data-model.js'
import {
  createDocumentLoader,
  type DocumentLoader,
  defaultResolver,
  isBundledContext,
} from './document-loader.js'
import {
  CredentialIssuerError,
  InvalidCredentialError,
  StatusListUnavailableError,
  UnknownDocumentError,
} from './errors.js'
import { didOfVerificationMethod, type SigningKey, signingSuite, verifyingSuite } from './signing.js'
import { loadVcLibraries } from './vc-libraries.js'
import {
  asArray,
  checkOfError,
  contextIrisOf,
  failure,
  idOf,
  type JsonLdObject,
  messageOf,
  type RevocationStatus,
  type VerificationFailure,
} from './verification.js'
import { VerifiedProofs } from './verified-proofs.js'

const PROOF_TYPE = 'DataIntegrityProof'
const CRYPTOSUITE = 'eddsa-rdfc-2022'

/**
 * Reads the revocation bit of a credential's `credentialStatus` (see `StatusListCache`). Throws
 * {@link StatusListUnavailableError} when the list cannot be had or does not verify.
 */
export interface StatusChecker {
  check(credential: JsonLdObject): Promise<{ revoked: boolean; listUrl: string; index: number }>
}

/** Options of every verification: DID resolution, clock, skew, status lists. */
export interface VerifyOptions {
  /** Resolves did:key and cached did:web; default: a process-wide resolver knowing did:key only. */
  resolver?: DidResolver
  /** The time to check validity against; default now. */
  now?: Date
  /** Clock skew tolerated on validFrom/validUntil, seconds; default 300 (as @digitalbazaar/vc). */
  maxClockSkewSeconds?: number
  /**
   * Reads revocation bits. Without one, a credential with `credentialStatus` verifies with status `unknown`
   * (offline use); with one, an unreachable list refuses it (`status-unavailable`).
   */
  statusChecker?: StatusChecker
}

/** A credential that passed every check. */
export interface CredentialVerification {
  readonly verified: true
  readonly issuer: string
  /** DIDs of the controllers of the proofs, in proof order. */
  readonly signers: readonly string[]
  readonly validFrom?: string
  readonly validUntil?: string
  readonly status: RevocationStatus
}

/** A presentation whose proof and every credential passed. */
export interface PresentationVerification {
  readonly verified: true
  readonly holder: string
  readonly challenge: string
  readonly domain?: string
  readonly credentials: readonly CredentialVerification[]
}

/** Credentials whose proofs verified in this process (membership credentials, shown in every handshake). */
const verifiedProofs = new VerifiedProofs()
const loaders = new WeakMap<DidResolver, DocumentLoader>()
/** The offline loader bound to a resolver (one per resolver, reused). */
export function loaderFor(resolver: DidResolver = defaultResolver()): DocumentLoader {
  let loader = loaders.get(resolver)
  if (loader === undefined) {
    loader = createDocumentLoader({ resolver })
    loaders.set(resolver, loader)
  }
  return loader
}

/**
 * Signs a credential with a Data Integrity `eddsa-rdfc-2022` proof. `issuer` must be given and be the
 * key's DID: a missing, null or foreign issuer is refused ({@link CredentialIssuerError}), never
 * filled in, so nothing is signed in the node's name that did not say so. The credential must follow
 * the VC 2.0 data model ({@link credentialModelProblems}); every context must be bundled.
 *
 * @example
 * ```ts
 * const signed = await issueCredential({ '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
 *   type: ['VerifiableCredential', 'DataSpaceMembershipCredential'], credentialSubject: { id: member } }, nodeKey)
 * ```
 */
export async function issueCredential(
  credential: JsonLdObject,
  key: SigningKey,
  options: { now?: Date; resolver?: DidResolver } = {},
): Promise<JsonLdObject> {
  const now = options.now ?? new Date()
  const unsigned: JsonLdObject = structuredClone(credential)
  const issuer = idOf(unsigned.issuer)
  if (issuer !== key.did) {
    throw new CredentialIssuerError(
      issuer === undefined
        ? `the credential names no issuer (it has ${JSON.stringify(unsigned.issuer ?? null)}); set "issuer" to ${key.did} to have this node sign it`
        : `the issuer ${issuer} is not this node; it signs only credentials whose issuer is ${key.did}`,
    )
  }
  const problems = credentialModelProblems(unsigned)
  if (problems.length > 0) {
    throw new InvalidCredentialError(`not a valid VC 2.0 credential: ${problems.join('; ')}`)
  }
  assertContextsBundled(unsigned)
  try {
    const { vc } = await loadVcLibraries()
    return await vc.issue({
      credential: unsigned,
      suite: await signingSuite(key, now),
      documentLoader: loaderFor(options.resolver),
      now,
    })
  } catch (cause) {
    throw new InvalidCredentialError(`cannot issue the credential: ${messageOf(cause)}`, { cause })
  }
}

/**
 * Adds one more proof by `key` to a signed document, making its `proof` a proof set (Data Integrity §2.1.2:
 * each proof signs the document without the others). Used for the counter-signature of agreements.
 */
export async function addProof(
  document: JsonLdObject,
  key: SigningKey,
  options: { now?: Date; resolver?: DidResolver } = {},
): Promise<JsonLdObject> {
  assertContextsBundled(document)
  try {
    const { jsigs } = await loadVcLibraries()
    return await jsigs.sign(structuredClone(document), {
      suite: await signingSuite(key, options.now ?? new Date()),
      purpose: new jsigs.purposes.AssertionProofPurpose(),
      documentLoader: loaderFor(options.resolver),
    })
  } catch (cause) {
    throw new InvalidCredentialError(`cannot add a proof: ${messageOf(cause)}`, { cause })
  }
}

/**
 * Verifies a credential: shape, bundled contexts, resolvable DIDs, EVERY proof (not just one, the
 * jsonld-signatures default), the issuer among the signers, validity period, revocation.
 */
export async function verifyCredential(
  credential: JsonLdObject,
  options: VerifyOptions = {},
): Promise<CredentialVerification | VerificationFailure> {
  const checked = await checkCredentialProofs(credential, options)
  if (!checked.verified) return checked
  if (!checked.signers.includes(checked.issuer)) {
    return failure(
      'issuer',
      `no proof is by the issuer ${checked.issuer} (signed by ${checked.signers.join(', ')})`,
    )
  }
  const validity = checkValidityPeriod(credential, options)
  if (validity !== undefined) return validity
  const status = await checkRevocation(credential, options)
  if ('verified' in status) return status
  return {
    verified: true,
    issuer: checked.issuer,
    signers: checked.signers,
    ...validityOf(credential),
    status,
  }
}

/** What {@link checkCredentialProofs} found: issuer and signers once every proof verified. */
export interface ProofCheck {
  readonly verified: true
  readonly issuer: string
  readonly signers: string[]
}

/**
 * The proof part of credential verification, shared with agreements: shape, contexts, DIDs, every proof
 * verifying for `assertionMethod`. Optionally checks the signer set first (cheap) via `checkSigners`.
 */
export async function checkCredentialProofs(
  credential: JsonLdObject,
  options: VerifyOptions,
  checkSigners?: (issuer: string, signers: string[]) => VerificationFailure | undefined,
): Promise<ProofCheck | VerificationFailure> {
  const { vc, jsigs } = await loadVcLibraries()
  try {
    vc._checkCredential({ credential, mode: 'issue' })
  } catch (error) {
    return failure('malformed', `not a well-formed verifiable credential: ${messageOf(error)}`)
  }
  const problems = credentialModelProblems(credential)
  if (problems.length > 0)
    return failure('data-model', `not a valid VC 2.0 credential: ${problems.join('; ')}`)
  const issuer = idOf(credential.issuer)!
  const unknownContext = firstUnknownContext(credential)
  if (unknownContext !== undefined) {
    return failure('unknown-context', `the context ${unknownContext} is not bundled; refusing to fetch it`)
  }
  const proofs = asArray(credential.proof as JsonLdObject | JsonLdObject[] | undefined)
  if (proofs.length === 0) return failure('malformed', 'the credential has no proof')
  const signers: string[] = []
  const resolver = options.resolver ?? defaultResolver()
  for (const proof of proofs) {
    const shape = checkProofShape(proof, 'assertionMethod')
    if (shape !== undefined) return shape
    const method = proof.verificationMethod as string
    try {
      await resolver.resolveVerificationMethod(method)
    } catch (error) {
      return failure(
        'unresolvable-did',
        `cannot resolve the verification method ${method}: ${messageOf(error)}`,
      )
    }
    signers.push(didOfVerificationMethod(method))
  }
  const signerFailure = checkSigners?.(issuer, signers)
  if (signerFailure !== undefined) return signerFailure
  const remembered = verifiedProofs.keyOf(credential, signers)
  if (remembered !== undefined && verifiedProofs.has(remembered)) return { verified: true, issuer, signers }
  const result = await jsigs.verify(credential, {
    suite: await verifyingSuite(),
    purpose: new jsigs.purposes.AssertionProofPurpose(),
    documentLoader: loaderFor(options.resolver),
  })
  const results = result.results ?? []
  const bad = results.find((r) => !r.verified)
  if (results.length !== proofs.length || bad !== undefined) {
    const error = bad?.error ?? result.error ?? new Error('not every proof matched the eddsa-rdfc-2022 suite')
    const check = checkOfError(error)
    return failure(check, `${check === 'signature' ? 'a proof does not verify: ' : ''}${messageOf(error)}`)
  }
  if (remembered !== undefined) verifiedProofs.add(remembered)
  return { verified: true, issuer, signers }
}

/** `expired` or `not-yet-valid` if now is outside validFrom/validUntil (or v1 issuanceDate/expirationDate). */
export function checkValidityPeriod(
  credential: JsonLdObject,
  options: VerifyOptions,
): VerificationFailure | undefined {
  const now = (options.now ?? new Date()).getTime()
  const skew = (options.maxClockSkewSeconds ?? 300) * 1000
  const { validFrom, validUntil } = validityOf(credential)
  if (validUntil !== undefined && now - skew > Date.parse(validUntil)) {
    return failure('expired', `the credential expired at ${validUntil}`)
  }
  if (validFrom !== undefined && now + skew < Date.parse(validFrom)) {
    return failure('not-yet-valid', `the credential is valid only from ${validFrom}`)
  }
  return undefined
}

/** The validity period of a credential (VC 2.0 names, with VC 1.1's as fallback). */
export function validityOf(credential: JsonLdObject): { validFrom?: string; validUntil?: string } {
  const validFrom = (credential.validFrom ?? credential.issuanceDate) as string | undefined
  const validUntil = (credential.validUntil ?? credential.expirationDate) as string | undefined
  return {
    ...(validFrom === undefined ? {} : { validFrom }),
    ...(validUntil === undefined ? {} : { validUntil }),
  }
}

/** Reads the revocation bit through the status checker; a failure for revoked or an unavailable list. */
export async function checkRevocation(
  credential: JsonLdObject,
  options: VerifyOptions,
): Promise<RevocationStatus | VerificationFailure> {
  const entry = asArray(credential.credentialStatus as JsonLdObject | JsonLdObject[] | undefined)[0]
  if (entry === undefined) return { state: 'none' }
  const listUrl = String(entry.statusListCredential)
  const index = Number.parseInt(String(entry.statusListIndex), 10)
  if (options.statusChecker === undefined) {
    return { state: 'unknown', listUrl, index, reason: 'no status list available to check against' }
  }
  try {
    const { revoked } = await options.statusChecker.check(credential)
    if (revoked)
      return failure('revoked', `the credential is revoked (status list ${listUrl}, index ${index})`)
    return { state: 'valid', listUrl, index }
  } catch (error) {
    if (error instanceof StatusListUnavailableError) return failure('status-unavailable', error.message)
    return failure('status-unavailable', `cannot check the status of the credential: ${messageOf(error)}`)
  }
}

/**
 * Wraps credentials in a presentation signed by `holder` for a verifier's `challenge` (fresh nonce) and
 * `domain` (who the proof is for), so it cannot be replayed elsewhere (VC Data Model 2.0 §5.12).
 */
export async function presentCredentials(
  credentials: readonly JsonLdObject[],
  holder: SigningKey,
  options: { challenge: string; domain?: string; now?: Date; resolver?: DidResolver },
): Promise<JsonLdObject> {
  if (typeof options.challenge !== 'string' || options.challenge.length === 0) {
    throw new InvalidCredentialError('a presentation needs a challenge (the verifier’s fresh nonce)')
  }
  const now = options.now ?? new Date()
  try {
    const { vc } = await loadVcLibraries()
    const presentation = vc.createPresentation({
      verifiableCredential: credentials.map((c) => structuredClone(c)),
      holder: holder.did,
      now,
    })
    return await vc.signPresentation({
      presentation,
      suite: await signingSuite(holder, now),
      challenge: options.challenge,
      ...(options.domain === undefined ? {} : { domain: options.domain }),
      documentLoader: loaderFor(options.resolver),
    })
  } catch (cause) {
    throw new InvalidCredentialError(`cannot sign the presentation: ${messageOf(cause)}`, { cause })
  }
}

/** Options of presentation verification: the verifier's expected challenge and domain. */
export interface VerifyPresentationOptions extends VerifyOptions {
  /** The nonce the verifier issued; when omitted, the presentation's own challenge is accepted. */
  challenge?: string
  /** The domain the verifier expects (its DID, a data space id); checked when given. */
  domain?: string
}

/** The presentation proof alone: challenge, domain, holder, signature. */
export async function checkPresentationProof(
  presentation: JsonLdObject,
  options: VerifyPresentationOptions,
): Promise<{ verified: true; holder: string; challenge: string; domain?: string } | VerificationFailure> {
  const problems = presentationModelProblems(presentation)
  if (problems.length > 0)
    return failure('data-model', `not a valid VC 2.0 presentation: ${problems.join('; ')}`)
  const unknownContext = firstUnknownContext(presentation)
  if (unknownContext !== undefined) {
    return failure('unknown-context', `the context ${unknownContext} is not bundled; refusing to fetch it`)
  }
  const proofs = asArray(presentation.proof as JsonLdObject | JsonLdObject[] | undefined)
  if (proofs.length !== 1)
    return failure('malformed', `a presentation needs exactly one proof, it has ${proofs.length}`)
  const proof = proofs[0]!
  const shape = checkProofShape(proof, 'authentication')
  if (shape !== undefined) return shape
  if (typeof proof.challenge !== 'string')
    return failure('challenge', 'the presentation proof carries no challenge')
  if (options.challenge !== undefined && proof.challenge !== options.challenge) {
    return failure(
      'challenge',
      `the presentation was made for challenge "${proof.challenge}", not "${options.challenge}"`,
    )
  }
  const domains = asArray(proof.domain as string | string[] | undefined)
  if (options.domain !== undefined && !domains.includes(options.domain)) {
    return failure(
      'domain',
      `the presentation was made for domain ${JSON.stringify(proof.domain)}, not "${options.domain}"`,
    )
  }
  const method = proof.verificationMethod as string
  const signer = didOfVerificationMethod(method)
  const holder = idOf(presentation.holder) ?? signer
  if (holder !== signer)
    return failure('holder', `the presentation is signed by ${signer}, not by its holder ${holder}`)
  try {
    await (options.resolver ?? defaultResolver()).resolveVerificationMethod(method)
  } catch (error) {
    return failure(
      'unresolvable-did',
      `cannot resolve the verification method ${method}: ${messageOf(error)}`,
    )
  }
  const { jsigs } = await loadVcLibraries()
  const result = await jsigs.verify(presentation, {
    suite: await verifyingSuite(),
    purpose: new jsigs.purposes.AuthenticationProofPurpose({
      challenge: proof.challenge,
      ...(options.domain === undefined ? {} : { domain: options.domain }),
    }),
    documentLoader: loaderFor(options.resolver),
  })
  const bad = (result.results ?? []).find((r) => !r.verified)
  if (!result.verified || bad !== undefined) {
    const error = bad?.error ?? result.error
    const check = checkOfError(error)
    return failure(
      check,
      `${check === 'signature' ? 'the presentation proof does not verify: ' : ''}${messageOf(error)}`,
    )
  }
  return {
    verified: true,
    holder,
    challenge: proof.challenge,
    ...(typeof proof.domain === 'string' ? { domain: proof.domain } : {}),
  }
}

/** Verifies a presentation's proof (challenge, domain, holder) and every credential in it. */
export async function verifyPresentation(
  presentation: JsonLdObject,
  options: VerifyPresentationOptions = {},
): Promise<PresentationVerification | VerificationFailure> {
  const proof = await checkPresentationProof(presentation, options)
  if (!proof.verified) return proof
  const credentials: CredentialVerification[] = []
  for (const credential of asArray(
    presentation.verifiableCredential as JsonLdObject | JsonLdObject[] | undefined,
  )) {
    const result = await verifyCredential(credential, options)
    if (!result.verified) return result
    credentials.push(result)
  }
  return { ...proof, credentials }
}

function checkProofShape(proof: JsonLdObject, purpose: string): VerificationFailure | undefined {
  if (proof === null || typeof proof !== 'object') return failure('malformed', 'a proof is not an object')
  if (proof.type !== PROOF_TYPE || proof.cryptosuite !== CRYPTOSUITE) {
    return failure(
      'signature',
      `unsupported proof ${String(proof.type)}/${String(proof.cryptosuite)}; Allmende accepts ${PROOF_TYPE}/${CRYPTOSUITE}`,
    )
  }
  if (typeof proof.verificationMethod !== 'string' || !proof.verificationMethod.startsWith('did:')) {
    return failure('malformed', 'a proof names no DID verification method')
  }
  if (proof.proofPurpose !== purpose) {
    return failure('signature', `a proof has purpose ${String(proof.proofPurpose)}, expected ${purpose}`)
  }
  return undefined
}

function firstUnknownContext(document: JsonLdObject): string | undefined {
  for (const iri of contextIrisOf(document)) if (!isBundledContext(iri)) return iri
  return undefined
}

function assertContextsBundled(document: JsonLdObject): void {
  const unknown = firstUnknownContext(document)
  if (unknown !== undefined) throw new UnknownDocumentError(unknown)
}
