import {
  checkPresentationProof,
  checkValidityPeriod,
  type JsonLdObject,
  type StatusChecker,
  type VerificationCheck,
  verifyPresentation,
} from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { isMembershipCredential, membershipSubject } from './membership-credential.js'
import { revocationsRequired, type Veto } from './revocation-list.js'

/** Why a peer is not a member: a credential check, or one of the membership rules. */
export type MembershipCheck =
  | VerificationCheck
  | 'no-presentation'
  | 'not-membership'
  | 'wrong-anchor'
  | 'wrong-subject'
  | 'wrong-dataspace'
  | 'too-few-endorsements'

/** The outcome of checking a peer's membership presentation. */
export type MembershipVerdict =
  | {
      readonly member: true
      readonly did: string
      /** The holder is a trust anchor: a member by the descriptor itself. */
      readonly anchor: boolean
      /** Distinct anchors that endorsed the holder (empty for an anchor showing no credential). */
      readonly endorsedBy: readonly string[]
      /** The verified membership credentials, for later revocation checks. */
      readonly credentials: readonly JsonLdObject[]
    }
  | { readonly member: false; readonly check: MembershipCheck; readonly reason: string }

/** What {@link checkMembership} needs besides the presentation. */
export interface MembershipCheckOptions {
  readonly descriptor: DataspaceDescriptor
  /** The DID the presentation must be held by: the peer's did:key from its Noise-authenticated PeerId. */
  readonly holder: string
  /** The nonce this node sent the peer. */
  readonly challenge: string
  /** Revocation lookups; without one, revocation is not checked (offline use only). */
  readonly statusChecker?: StatusChecker
  readonly now?: Date
  readonly resolver?: DidResolver
  /** The anchors' revocations of a member that stand against the credentials it shows ({@link RevocationLists}). */
  readonly vetoes?: (member: string, credentials: readonly JsonLdObject[]) => readonly Veto[]
  /**
   * The holder's membership credential this node issued as an anchor and still stands by (from its own member
   * register): it counts as an endorsement without being shown, so a member that has not fetched it yet (or
   * whose request for it timed out) is admitted by the anchor that endorsed it.
   */
  readonly ownEndorsement?: JsonLdObject
}

function refuse(check: MembershipCheck, reason: string): MembershipVerdict {
  return { member: false, check, reason }
}

/**
 * Checks a membership presentation against a data space's admission rule: a verifiable presentation held and
 * signed by `holder` for our `challenge` with domain = the data space id, whose credentials are
 * `DataSpaceMembershipCredential`s for `holder` in this data space, issued by trust anchors, valid now and not
 * revoked, from at least `endorsementsRequired` distinct anchors. An anchor is a member by the descriptor: it
 * needs only the presentation proof (it cannot endorse itself into a quorum of others). An anchor whose own
 * endorsement ({@link MembershipCheckOptions.ownEndorsement}) meets the rule checks only the presentation proof.
 */
export async function checkMembership(
  presentation: unknown,
  options: MembershipCheckOptions,
): Promise<MembershipVerdict> {
  const { descriptor, holder } = options
  if (presentation === null || typeof presentation !== 'object' || Array.isArray(presentation)) {
    return refuse('no-presentation', 'it showed no membership presentation')
  }
  const vp = presentation as JsonLdObject
  const shown = vp.verifiableCredential
  const credentials = (shown === undefined ? [] : Array.isArray(shown) ? shown : [shown]) as JsonLdObject[]
  const anchor = descriptor.trustAnchor.includes(holder)
  // Cheap rules first: no signature is checked for a presentation that could not pass anyway.
  for (const credential of credentials) {
    if (!isMembershipCredential(credential)) {
      return refuse('not-membership', 'it showed a credential that is not a DataSpaceMembershipCredential')
    }
    const issuer =
      typeof credential.issuer === 'string' ? credential.issuer : (credential.issuer as { id?: string })?.id
    if (issuer === undefined || !descriptor.trustAnchor.includes(issuer)) {
      return refuse(
        'wrong-anchor',
        `its membership credential is issued by ${String(issuer)}, who is no trust anchor of ${descriptor.id}`,
      )
    }
    const { member, dataSpace } = membershipSubject(credential)
    if (member !== holder) {
      return refuse('wrong-subject', `its membership credential is for ${String(member)}, not for ${holder}`)
    }
    if (dataSpace !== descriptor.id) {
      return refuse(
        'wrong-dataspace',
        `its membership credential is for data space ${String(dataSpace)}, not ${descriptor.id}`,
      )
    }
  }
  // The anchor's register may hold an endorsement that has run out (the member never asked for a new one):
  // it counts only while valid, like any credential shown.
  const own =
    options.ownEndorsement !== undefined &&
    checkValidityPeriod(options.ownEndorsement, options.now === undefined ? {} : { now: options.now }) ===
      undefined
      ? options.ownEndorsement
      : undefined
  // An anchor whose own endorsement meets the rule goes by its register alone: the credentials shown beside it
  // are neither counted nor verified, so it needs no other anchor's status list (at N = 30 an anchor refused
  // members while the other anchor was too busy to hand over its list) and verifies one proof per member, not
  // one per credential. Unverified, they lift no veto either: only a newer credential of the vetoing anchor does.
  const ownSuffices = own !== undefined && descriptor.endorsementsRequired <= 1
  // Else the anchor's own credential replaces one the holder shows from the same anchor: it is the newest.
  const counted =
    own === undefined
      ? credentials
      : ownSuffices
        ? [own]
        : [own, ...credentials.filter((c) => issuerOf(c) !== issuerOf(own))]
  const vetoes = anchor ? [] : (options.vetoes?.(holder, counted) ?? [])
  if (vetoes.length >= revocationsRequired(descriptor)) return refuse('revoked', vetoSentence(vetoes))
  const endorsers = new Set(counted.map(issuerOf))
  if (!anchor && endorsers.size < descriptor.endorsementsRequired) {
    return refuse(
      'too-few-endorsements',
      endorsers.size === 0
        ? `it holds no membership credential of data space ${descriptor.id}; an anchor must endorse it ('allmende dataspace endorse ${holder}')`
        : `it is endorsed by ${endorsers.size} anchor(s), data space ${descriptor.id} requires ${descriptor.endorsementsRequired}`,
    )
  }
  const verify = {
    challenge: options.challenge,
    domain: descriptor.id,
    ...(options.statusChecker === undefined ? {} : { statusChecker: options.statusChecker }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
  }
  const result = ownSuffices ? await checkPresentationProof(vp, verify) : await verifyPresentation(vp, verify)
  if (!result.verified) return refuse(result.check, result.message)
  if (result.holder !== holder)
    return refuse('holder', `the presentation is held by ${result.holder}, not by the peer ${holder}`)
  return { member: true, did: holder, anchor, endorsedBy: [...endorsers].sort(), credentials: counted }
}

function issuerOf(credential: JsonLdObject): string {
  return typeof credential.issuer === 'string' ? credential.issuer : (credential.issuer as { id: string }).id
}

/** "revoked by <anchor> at <time>" for each standing revocation. */
export function vetoSentence(vetoes: readonly Veto[]): string {
  return `its membership was revoked by ${vetoes.map((v) => `${v.by} at ${v.at}`).join(' and by ')}`
}
