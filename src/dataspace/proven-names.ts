import { type JsonLdObject, verifyCredential } from '../credentials/index.js'
import type { DidResolver } from '../identity/index.js'
import { type DataspaceDescriptor, verifyDescriptor } from './descriptor.js'
import { isMembershipCredential, membershipSubject } from './membership-credential.js'

/** A party's name as a proof bundle proves it, or why it does not. */
export type ProvenName =
  | {
      readonly name: string
      /** The anchor whose membership credential names the party. */
      readonly issuer: string
      readonly credentialId?: string
      readonly dataspace: string
      readonly dataspaceTitle: string
    }
  | {
      readonly name?: undefined
      /** The party is a trust anchor of the bundled data space: a member by the descriptor, named by none. */
      readonly anchorOf?: { readonly dataspace: string; readonly dataspaceTitle: string }
      readonly why: string
    }

/**
 * The parties' names as a proof bundle proves them, from signed sources only: a membership credential that
 * verifies, is issued by a trust anchor of the bundled descriptor (which itself must carry every anchor's
 * proof), is for this data space and names the party as its subject. Anything else gives no name, with the
 * reason. Revocation of the membership is not checked: the name is what an anchor wrote, not a standing.
 */
export async function provenNames(
  bundle: { descriptor?: unknown; credentials: readonly JsonLdObject[] },
  parties: readonly string[],
  options: { resolver?: DidResolver; now?: Date } = {},
): Promise<Record<string, ProvenName>> {
  const names: Record<string, ProvenName> = {}
  const none = (why: string) => {
    for (const party of parties) names[party] = { why }
    return names
  }
  if (bundle.descriptor === undefined) {
    return none(
      bundle.credentials.length === 0
        ? 'the proof carries no membership credential'
        : 'the proof carries no data space descriptor to check the membership credentials against',
    )
  }
  let descriptor: DataspaceDescriptor
  try {
    descriptor = await verifyDescriptor(
      bundle.descriptor,
      options.resolver === undefined ? {} : { resolver: options.resolver },
    )
  } catch (error) {
    return none(`the bundled data space descriptor does not verify: ${(error as Error).message}`)
  }
  const space = { dataspace: descriptor.id, dataspaceTitle: descriptor.title }
  for (const party of parties) {
    names[party] = descriptor.trustAnchor.includes(party)
      ? {
          anchorOf: space,
          why: `a trust anchor of data space "${descriptor.title}", which names its anchors by DID only`,
        }
      : { why: 'the proof carries no membership credential naming it' }
  }
  for (const credential of bundle.credentials) {
    if (!isMembershipCredential(credential)) continue
    const { member, dataSpace, name } = membershipSubject(credential)
    if (member === undefined || !parties.includes(member) || name === undefined) continue
    if (names[member]?.name !== undefined) continue
    const issuer = typeof credential.issuer === 'string' ? credential.issuer : undefined
    if (issuer === undefined || !descriptor.trustAnchor.includes(issuer) || dataSpace !== descriptor.id) {
      names[member] = {
        why: `its membership credential is not issued by an anchor of data space "${descriptor.title}"`,
      }
      continue
    }
    const result = await verifyCredential(credential, {
      ...(options.resolver === undefined ? {} : { resolver: options.resolver }),
      ...(options.now === undefined ? {} : { now: options.now }),
    })
    if (!result.verified) {
      names[member] = {
        why: `its membership credential does not verify (${result.check}: ${result.message})`,
      }
      continue
    }
    names[member] = {
      name,
      issuer,
      ...(typeof credential.id === 'string' ? { credentialId: credential.id } : {}),
      ...space,
    }
  }
  return names
}
