import { createHash } from 'node:crypto'
import type { DidResolver } from '../identity/index.js'
import { contentHash } from './canonical-json.js'
import { ALLMENDE_CONTEXT_V1, CREDENTIALS_CONTEXT_V2, ODRL_CONTEXT } from './document-loader.js'
import { InvalidCredentialError } from './errors.js'
import type { SigningKey } from './signing.js'
import type { StatusEntry } from './status-list.js'
import {
  addProof,
  checkCredentialProofs,
  checkRevocation,
  checkValidityPeriod,
  issueCredential,
  type VerifyOptions,
  validityOf,
} from './vc.js'
import {
  asArray,
  failure,
  type JsonLdObject,
  type RevocationStatus,
  type VerificationFailure,
} from './verification.js'

/** The credential type of a contract agreement (spec/contexts/allmende-v1.jsonld). */
export const AGREEMENT_CREDENTIAL_TYPE = 'DataSpaceContract'
/** Contexts of an agreement credential: VC 2.0, ODRL 2.2, Allmende. */
export const AGREEMENT_CREDENTIAL_CONTEXT: readonly string[] = [
  CREDENTIALS_CONTEXT_V2,
  ODRL_CONTEXT,
  ALLMENDE_CONTEXT_V1,
]

/** An ODRL constraint (ODRL 2.2 §2.5) as compact JSON-LD under the ODRL context. */
export interface OdrlConstraint {
  leftOperand?: unknown
  operator?: unknown
  rightOperand?: unknown
  [property: string]: unknown
}

/** An ODRL rule: permission, prohibition or duty (ODRL 2.2 §2.6). */
export interface OdrlRule {
  action: unknown
  target?: string
  constraint?: OdrlConstraint[]
  duty?: OdrlRule[]
  [property: string]: unknown
}

/** An ODRL `Agreement` (ODRL 2.2 §2.1): who (assigner) grants whom (assignee) what (target) under which rules. */
export interface OdrlAgreement {
  '@type'?: 'Agreement'
  type?: 'Agreement'
  /** An absolute IRI (urn:uuid:…). */
  uid: string
  /** Provider DID; the issuer of the agreement credential. */
  assigner: string
  /** Consumer DID; adds the counter-proof. */
  assignee: string
  /** The dataset IRI. */
  target: string
  permission?: OdrlRule[]
  prohibition?: OdrlRule[]
  obligation?: OdrlRule[]
  [property: string]: unknown
}

/** An agreement credential that passed every check: both parties' proofs, validity, revocation. */
export interface AgreementVerification {
  readonly verified: true
  readonly credentialId?: string
  readonly agreement: OdrlAgreement
  readonly assigner: string
  readonly assignee: string
  readonly target: string
  readonly validFrom?: string
  readonly validUntil?: string
  readonly status: RevocationStatus
  /** SHA-256 of the canonical JSON of the credential. */
  readonly contentHash: string
}

const ABSOLUTE_IRI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/

/**
 * Issues the agreement credential: a `DataSpaceContract` VC whose subject carries the ODRL Agreement,
 * signed by the assigner (the provider, at AGREED). The consumer adds its proof with
 * {@link countersignAgreementCredential}.
 */
export async function issueAgreementCredential(
  agreement: OdrlAgreement,
  assignerKey: SigningKey,
  options: {
    id?: string
    validFrom?: Date
    validUntil?: Date
    credentialStatus?: StatusEntry
    /** Further bundled contexts (e.g. the Allmende ODRL profile) appended after the standard ones. */
    extraContexts?: readonly string[]
    now?: Date
    resolver?: DidResolver
  } = {},
): Promise<JsonLdObject> {
  const problem = agreementProblem(agreement)
  if (problem !== undefined) throw new InvalidCredentialError(problem)
  if (agreement.assigner !== assignerKey.did) {
    throw new InvalidCredentialError(
      `the agreement's assigner ${agreement.assigner} is not the signing key's DID ${assignerKey.did}`,
    )
  }
  const now = options.now ?? new Date()
  const credential: JsonLdObject = {
    '@context': [...AGREEMENT_CREDENTIAL_CONTEXT, ...(options.extraContexts ?? [])],
    ...(options.id === undefined ? {} : { id: options.id }),
    type: ['VerifiableCredential', AGREEMENT_CREDENTIAL_TYPE],
    issuer: assignerKey.did,
    validFrom: (options.validFrom ?? now).toISOString(),
    ...(options.validUntil === undefined ? {} : { validUntil: options.validUntil.toISOString() }),
    ...(options.credentialStatus === undefined ? {} : { credentialStatus: options.credentialStatus }),
    credentialSubject: { agreement: { '@type': 'Agreement', ...structuredClone(agreement) } },
  }
  return issueCredential(credential, assignerKey, {
    now,
    ...(options.resolver ? { resolver: options.resolver } : {}),
  })
}

/**
 * The assignee's counter-signature: first verifies that the credential is a well-formed agreement naming
 * `assigneeKey` and carrying exactly the assigner's valid proof, then adds the assignee's proof (proof set).
 */
export async function countersignAgreementCredential(
  credential: JsonLdObject,
  assigneeKey: SigningKey,
  options: { now?: Date; resolver?: DidResolver } = {},
): Promise<JsonLdObject> {
  const agreement = agreementOf(credential)
  if (typeof agreement === 'string') throw new InvalidCredentialError(agreement)
  if (agreement.assignee !== assigneeKey.did) {
    throw new InvalidCredentialError(
      `the agreement's assignee is ${agreement.assignee}, not ${assigneeKey.did}`,
    )
  }
  const checked = await checkCredentialProofs(credential, options, (issuer, signers) =>
    signers.length === 1 && signers[0] === agreement.assigner && issuer === agreement.assigner
      ? undefined
      : failure(
          'proof-set',
          `expected exactly the assigner's proof before countersigning, found ${signers.join(', ')}`,
        ),
  )
  if (!checked.verified) {
    throw new InvalidCredentialError(`refusing to countersign: ${checked.check}: ${checked.message}`)
  }
  return addProof(credential, assigneeKey, options)
}

/**
 * Verifies an agreement credential: a `DataSpaceContract` with a well-formed ODRL Agreement, issued by the
 * assigner, with a proof set of exactly two proofs, one by the assigner and one by the assignee, EACH of which
 * must verify (jsonld-signatures alone accepts a set if any proof verifies); then validity and revocation.
 */
export async function verifyAgreementCredential(
  credential: JsonLdObject,
  options: VerifyOptions = {},
): Promise<AgreementVerification | VerificationFailure> {
  const proofs = await verifyAgreementProofs(credential, options)
  if (!proofs.verified) return proofs
  return checkAgreementState(credential, proofs.agreement, contentHash(credential), options)
}

async function verifyAgreementProofs(
  credential: JsonLdObject,
  options: VerifyOptions,
): Promise<{ verified: true; agreement: OdrlAgreement } | VerificationFailure> {
  const agreement = agreementOf(credential)
  if (typeof agreement === 'string') return failure('malformed', agreement)
  const checked = await checkCredentialProofs(credential, options, (issuer, signers) =>
    checkProofSet(agreement, issuer, signers),
  )
  if (!checked.verified) return checked
  return { verified: true, agreement }
}

function checkProofSet(
  agreement: OdrlAgreement,
  issuer: string,
  signers: string[],
): VerificationFailure | undefined {
  if (issuer !== agreement.assigner) {
    return failure(
      'issuer',
      `the credential is issued by ${issuer}, but the agreement's assigner is ${agreement.assigner}`,
    )
  }
  const strangers = signers.filter((s) => s !== agreement.assigner && s !== agreement.assignee)
  if (strangers.length > 0) {
    return failure(
      'proof-set',
      `the proof set holds a proof by ${strangers.join(', ')}, who is no party to the agreement`,
    )
  }
  if (new Set(signers).size !== signers.length)
    return failure('proof-set', 'a party signed the agreement twice')
  if (!signers.includes(agreement.assigner)) {
    return failure('proof-set', `the assigner ${agreement.assigner} has not signed the agreement`)
  }
  if (!signers.includes(agreement.assignee)) {
    return failure(
      'counter-proof-missing',
      `the assignee ${agreement.assignee} has not countersigned the agreement`,
    )
  }
  return undefined
}

async function checkAgreementState(
  credential: JsonLdObject,
  agreement: OdrlAgreement,
  hash: string,
  options: VerifyOptions,
): Promise<AgreementVerification | VerificationFailure> {
  const validity = checkValidityPeriod(credential, options)
  if (validity !== undefined) return validity
  const status = await checkRevocation(credential, options)
  if ('verified' in status) return status
  return {
    verified: true,
    ...(typeof credential.id === 'string' ? { credentialId: credential.id } : {}),
    agreement,
    assigner: agreement.assigner,
    assignee: agreement.assignee,
    target: agreement.target,
    ...validityOf(credential),
    status,
    contentHash: hash,
  }
}

/**
 * Verifies agreement credentials, remembering those whose proofs verified by content hash (SHA-256 of the
 * canonical JSON): a repeated check costs a hash and a map lookup, while validity period and revocation
 * (through the status checker's bounded-time cache) are checked again every time.
 */
export class AgreementVerifier {
  private readonly options: VerifyOptions
  private readonly maxEntries: number
  private readonly verified = new Map<string, { agreement: OdrlAgreement; contentHash: string }>()

  constructor(options: VerifyOptions & { maxEntries?: number } = {}) {
    const { maxEntries, ...rest } = options
    this.options = rest
    this.maxEntries = maxEntries ?? 10_000
  }

  /** Like {@link verifyAgreementCredential}, with the proof checks cached; `now` overrides the clock. */
  async verify(credential: JsonLdObject, now?: Date): Promise<AgreementVerification | VerificationFailure> {
    const options = now === undefined ? this.options : { ...this.options, now }
    // Fast path: the hash of the exact serialization (native JSON.stringify) finds a credential seen before
    // in the same key order; equal serializations are equal documents. Otherwise the canonical hash decides.
    const exact = exactHash(credential)
    let entry = this.verified.get(exact)
    if (entry === undefined) {
      const hash = contentHash(credential)
      entry = this.verified.get(hash)
      if (entry === undefined) {
        const proofs = await verifyAgreementProofs(credential, options)
        if (!proofs.verified) return proofs
        entry = { agreement: proofs.agreement, contentHash: hash }
        this.remember(hash, entry)
      }
      this.remember(exact, entry)
    } else {
      // Refresh its place: the map's order is the eviction order.
      this.remember(exact, entry)
    }
    return checkAgreementState(credential, entry.agreement, entry.contentHash, options)
  }

  private remember(key: string, entry: { agreement: OdrlAgreement; contentHash: string }): void {
    this.verified.delete(key)
    if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.keys().next().value!)
    this.verified.set(key, entry)
  }

  /** How many verified agreements are cached. */
  get size(): number {
    return new Set([...this.verified.values()].map((entry) => entry.contentHash)).size
  }
}

/** The ODRL Agreement inside an agreement credential, or why there is none. */
export function agreementOf(credential: JsonLdObject): OdrlAgreement | string {
  if (!asArray(credential.type as string | string[] | undefined).includes(AGREEMENT_CREDENTIAL_TYPE)) {
    return `the credential is not a ${AGREEMENT_CREDENTIAL_TYPE}`
  }
  const subject = credential.credentialSubject as { agreement?: unknown } | undefined
  const agreement = subject?.agreement as OdrlAgreement | undefined
  if (agreement === undefined || typeof agreement !== 'object')
    return 'the credential subject carries no agreement'
  return agreementProblem(agreement) ?? agreement
}

function agreementProblem(agreement: OdrlAgreement): string | undefined {
  const type = agreement['@type'] ?? agreement.type
  if (type !== undefined && type !== 'Agreement') return `the policy is an ${String(type)}, not an Agreement`
  for (const field of ['uid', 'assigner', 'assignee', 'target'] as const) {
    const value = agreement[field]
    if (typeof value !== 'string' || !ABSOLUTE_IRI.test(value))
      return `the agreement's ${field} must be an absolute IRI`
  }
  if (!agreement.assigner.startsWith('did:') || !agreement.assignee.startsWith('did:')) {
    return 'the agreement parties must be DIDs'
  }
  if (agreement.assigner === agreement.assignee)
    return 'the assigner and assignee of an agreement must differ'
  const rules = [agreement.permission, agreement.prohibition, agreement.obligation]
  if (rules.some((r) => r !== undefined && !Array.isArray(r)))
    return 'permission, prohibition and obligation must be arrays'
  if (rules.every((r) => r === undefined || r.length === 0)) return 'the agreement has no rule'
  // A rule may name its own parties (ODRL 2.2 §2.6); only the two who signed may appear there.
  for (const rule of allRules(rules.flatMap((r) => r ?? []))) {
    if (rule === null || typeof rule !== 'object') return 'every rule of the agreement must be an object'
    for (const field of ['assigner', 'assignee'] as const) {
      const party = rule[field]
      if (party !== undefined && party !== agreement[field]) {
        return `a rule names ${typeof party === 'string' ? party : JSON.stringify(party)} as ${field}, not the agreement's ${field}`
      }
    }
  }
  return undefined
}

function allRules(rules: readonly OdrlRule[]): OdrlRule[] {
  const found: OdrlRule[] = []
  const stack = [...rules]
  while (stack.length > 0) {
    const rule = stack.pop()!
    found.push(rule)
    if (rule !== null && typeof rule === 'object') {
      for (const nested of [rule.duty, rule.consequence, rule.remedy])
        if (Array.isArray(nested)) stack.push(...nested)
    }
  }
  return found
}

function exactHash(credential: JsonLdObject): string {
  return `exact:${createHash('sha256').update(JSON.stringify(credential)).digest('hex')}`
}
