import { randomUUID } from 'node:crypto'
import {
  ALLMENDE_CONTEXT_V1,
  CREDENTIALS_CONTEXT_V2,
  issueCredential,
  type JsonLdObject,
  type SigningKey,
  type StatusEntry,
} from '../credentials/index.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { NotAnAnchorError } from './errors.js'

/** The credential type an anchor issues to a member. */
export const MEMBERSHIP_CREDENTIAL_TYPE = 'DataSpaceMembershipCredential'
/** Default lifetime of a membership credential: one year; revocation ends it earlier. */
export const DEFAULT_MEMBERSHIP_VALIDITY_DAYS = 365

/**
 * Issues a `DataSpaceMembershipCredential` for `memberDid` in the descriptor's data space, signed by `anchor`
 * (which must be one of the descriptor's trust anchors), carrying the revocation `credentialStatus` entry.
 *
 * @example
 * ```ts
 * const vc = await issueMembershipCredential(descriptor, anchorKey, memberDid, { credentialStatus: await lists.allocate() })
 * ```
 */
export async function issueMembershipCredential(
  descriptor: DataspaceDescriptor,
  anchor: SigningKey,
  memberDid: string,
  options: { credentialStatus: StatusEntry; now?: Date; validityDays?: number; name?: string },
): Promise<JsonLdObject> {
  if (!descriptor.trustAnchor.includes(anchor.did)) throw new NotAnAnchorError(anchor.did, descriptor.id)
  const now = options.now ?? new Date()
  const validUntil = new Date(
    now.getTime() + (options.validityDays ?? DEFAULT_MEMBERSHIP_VALIDITY_DAYS) * 24 * 3600 * 1000,
  )
  return issueCredential(
    {
      '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
      id: `urn:uuid:${randomUUID()}`,
      type: ['VerifiableCredential', MEMBERSHIP_CREDENTIAL_TYPE],
      issuer: anchor.did,
      validFrom: now.toISOString(),
      validUntil: validUntil.toISOString(),
      credentialSubject: {
        id: memberDid,
        type: 'DataSpaceMember',
        dataSpace: descriptor.id,
        memberSince: now.toISOString(),
        ...(options.name === undefined ? {} : { name: options.name }),
      },
      credentialStatus: options.credentialStatus,
    },
    anchor,
    { now },
  )
}

/** The member DID and data space a membership credential names (no proof check). */
export function membershipSubject(credential: JsonLdObject): {
  member?: string
  dataSpace?: string
  name?: string
  memberSince?: string
} {
  const subject = credential.credentialSubject as
    | { id?: unknown; dataSpace?: unknown; name?: unknown; memberSince?: unknown }
    | undefined
  return {
    ...(typeof subject?.id === 'string' ? { member: subject.id } : {}),
    ...(typeof subject?.dataSpace === 'string' ? { dataSpace: subject.dataSpace } : {}),
    ...(typeof subject?.name === 'string' ? { name: subject.name } : {}),
    ...(typeof subject?.memberSince === 'string' ? { memberSince: subject.memberSince } : {}),
  }
}

/** Whether a JSON object is typed as a membership credential. */
export function isMembershipCredential(credential: unknown): credential is JsonLdObject {
  if (credential === null || typeof credential !== 'object') return false
  const type = (credential as { type?: unknown }).type
  return Array.isArray(type) ? type.includes(MEMBERSHIP_CREDENTIAL_TYPE) : type === MEMBERSHIP_CREDENTIAL_TYPE
}
