import type { DidResolver } from '../identity/index.js'
import {
  AGREEMENT_CREDENTIAL_TYPE,
  type AgreementVerification,
  agreementOf,
  verifyAgreementCredential,
} from './agreement.js'
import { InvalidCredentialError } from './errors.js'
import type { SigningKey } from './signing.js'
import { StatusListCache, type StatusListFetcher } from './status-list.js'
import { checkPresentationProof, presentCredentials, type StatusChecker } from './vc.js'
import { asArray, failure, type JsonLdObject, type VerificationFailure } from './verification.js'

/** Side field of a presentation file that may carry status list credentials (outside the signed VP). */
export const STATUS_LIST_SIDE_FIELD = 'statusListCredentials'
/**
 * Side field of a presentation file carrying the data space descriptor (outside the signed VP: the anchors'
 * proofs on it are what a verifier checks), so the parties' membership credentials can be traced to anchors.
 */
export const DESCRIPTOR_SIDE_FIELD = 'dataspaceDescriptor'

/**
 * An agreement presented by one of its parties for a verifier's challenge and domain: the offline proof a
 * partner (or a court, or an auditor) checks with {@link verifyAgreementPresentation}, no connector needed.
 * Status list credentials passed along are embedded as further credentials, so revocation can be checked
 * offline too; so are the parties' membership credentials, which name them.
 */
export async function presentAgreement(
  credential: JsonLdObject,
  holderKey: SigningKey,
  options: {
    challenge: string
    domain?: string
    statusListCredentials?: readonly JsonLdObject[]
    /** Credentials that name the parties (their membership credentials), checked by the verifier. */
    partyCredentials?: readonly JsonLdObject[]
    now?: Date
    resolver?: DidResolver
  },
): Promise<JsonLdObject> {
  const agreement = agreementOf(credential)
  if (typeof agreement === 'string') throw new InvalidCredentialError(agreement)
  if (holderKey.did !== agreement.assigner && holderKey.did !== agreement.assignee) {
    throw new InvalidCredentialError(
      `${holderKey.did} is no party to agreement ${agreement.uid} and cannot present it`,
    )
  }
  return presentCredentials(
    [credential, ...(options.statusListCredentials ?? []), ...(options.partyCredentials ?? [])],
    holderKey,
    options,
  )
}

/** Options of {@link verifyAgreementPresentation}. */
export interface VerifyAgreementPresentationOptions {
  /** The nonce the verifier issued; when omitted, the presentation's own challenge is accepted (and reported). */
  challenge?: string
  /** The domain the verifier expects; checked when given. */
  domain?: string
  /** Fetches status lists not bundled with the presentation; without it, such status is `unknown`. */
  statusFetcher?: StatusListFetcher
  resolver?: DidResolver
  now?: Date
  maxClockSkewSeconds?: number
  /** Credential types the presentation may carry besides the agreement and status lists (returned unchecked). */
  accompanying?: readonly string[]
}

/** A presented agreement that passed every check: who presented it, and what was agreed. */
export interface AgreementPresentationVerification {
  readonly verified: true
  readonly holder: string
  readonly challenge: string
  readonly domain?: string
  readonly agreement: AgreementVerification
  /** Credentials of the `accompanying` types, signed into the presentation by the holder; not checked here. */
  readonly accompanying: readonly JsonLdObject[]
  /** The descriptor side field as found, not checked here. */
  readonly descriptor?: unknown
}

/**
 * Verifies an agreement presentation: the presentation proof (challenge, domain, holder = a party), then
 * the agreement credential inside with every check of {@link verifyAgreementCredential}. Revocation uses a
 * status list credential bundled in the presentation (or in its `statusListCredentials` side field), else
 * `statusFetcher`, else reports the status `unknown`.
 */
export async function verifyAgreementPresentation(
  presentation: JsonLdObject,
  options: VerifyAgreementPresentationOptions = {},
): Promise<AgreementPresentationVerification | VerificationFailure> {
  const { [STATUS_LIST_SIDE_FIELD]: sideLists, [DESCRIPTOR_SIDE_FIELD]: descriptor, ...signed } = presentation
  const proof = await checkPresentationProof(signed, options)
  if (!proof.verified) return proof
  const credentials = asArray(signed.verifiableCredential as JsonLdObject | JsonLdObject[] | undefined)
  const agreements = credentials.filter((c) =>
    asArray(c.type as string[]).includes(AGREEMENT_CREDENTIAL_TYPE),
  )
  if (agreements.length !== 1) {
    return failure(
      'malformed',
      `the presentation must hold one agreement credential, it holds ${agreements.length}`,
    )
  }
  const allowed = options.accompanying ?? []
  const accompanying = credentials.filter((c) =>
    asArray(c?.type as string[]).some((type) => allowed.includes(type)),
  )
  const lists = [
    ...credentials.filter((c) => c !== agreements[0] && !accompanying.includes(c)),
    ...asArray(sideLists as JsonLdObject[] | undefined),
  ]
  for (const list of lists) {
    if (!asArray(list?.type as string[]).includes('BitstringStatusListCredential')) {
      return failure(
        'malformed',
        `besides the agreement, a presentation may carry only status list credentials${allowed.length === 0 ? '' : ` and ${allowed.join(', ')}`}`,
      )
    }
  }
  const credential = agreements[0]!
  const statusChecker = await statusCheckerFor(credential, lists, options)
  if (statusChecker !== undefined && 'verified' in statusChecker) return statusChecker
  const agreement = await verifyAgreementCredential(credential, {
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.maxClockSkewSeconds === undefined
      ? {}
      : { maxClockSkewSeconds: options.maxClockSkewSeconds }),
    ...(statusChecker === undefined ? {} : { statusChecker }),
  })
  if (!agreement.verified) return agreement
  if (proof.holder !== agreement.assigner && proof.holder !== agreement.assignee) {
    return failure('holder', `the presentation is made by ${proof.holder}, who is no party to the agreement`)
  }
  return {
    verified: true,
    holder: proof.holder,
    challenge: proof.challenge,
    ...(proof.domain === undefined ? {} : { domain: proof.domain }),
    agreement,
    accompanying,
    ...(descriptor === undefined ? {} : { descriptor }),
  }
}

async function statusCheckerFor(
  credential: JsonLdObject,
  lists: readonly JsonLdObject[],
  options: VerifyAgreementPresentationOptions,
): Promise<StatusChecker | VerificationFailure | undefined> {
  const entry = asArray(credential.credentialStatus as JsonLdObject | JsonLdObject[] | undefined)[0]
  if (entry === undefined) return undefined
  const listUrl = String(entry.statusListCredential)
  const bundled = lists.find((list) => list.id === listUrl)
  if (bundled === undefined && options.statusFetcher === undefined) return undefined
  const fetcher = options.statusFetcher
  const cache = new StatusListCache({
    fetcher: async (url) => {
      if (fetcher === undefined) throw new Error(`the status list ${url} is not available offline`)
      return fetcher(url)
    },
    ...(options.now === undefined ? {} : { clock: () => options.now!.getTime() }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
  })
  if (bundled !== undefined) {
    try {
      await cache.add(bundled)
    } catch (error) {
      return failure('status-unavailable', (error as Error).message)
    }
  }
  return cache
}
