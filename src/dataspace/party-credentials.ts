import type { JsonLdObject } from '../credentials/index.js'
import type { Store, Sublevel } from '../store/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'
import type { DataspaceDescriptor } from './descriptor.js'
import { membershipSubject } from './membership-credential.js'

/** Sublevel of the membership credentials admitted peers showed, keyed `<dataspace id> <member DID>`. */
export const PARTY_CREDENTIALS_SUBLEVEL = 'party-credentials'
/** Members whose credentials are kept at most (the data space's members, with room). */
const MAX_PARTIES = 2_000

/** A member's name as its anchor wrote it into its membership credential. */
export interface CredentialName {
  readonly name: string
  /** The anchor that issued the credential naming it. */
  readonly issuer: string
}

/**
 * The membership credentials each admitted member showed in its handshake (verified there), kept across
 * restarts: the names its anchors vouch for, and what `contract prove` bundles so a verifier offline sees the
 * counterparty's name from a signed source.
 */
export class PartyCredentials {
  private readonly stored: Sublevel<JsonLdObject[]>
  private readonly byMember = new Map<string, readonly JsonLdObject[]>()

  constructor(
    store: Store,
    private readonly descriptor: DataspaceDescriptor,
  ) {
    this.stored = store.sublevel<JsonLdObject[]>(PARTY_CREDENTIALS_SUBLEVEL)
  }

  async load(): Promise<void> {
    for await (const [key, credentials] of this.stored.iterator({
      gte: `${this.descriptor.id} `,
      lt: `${this.descriptor.id}!`,
    })) {
      this.byMember.set(key.slice(this.descriptor.id.length + 1), credentials as JsonLdObject[])
    }
  }

  /** Keeps the credentials a member showed (already verified); writes only when they changed. */
  async remember(member: string, credentials: readonly JsonLdObject[]): Promise<void> {
    if (credentials.length === 0) return
    const ids = (list: readonly JsonLdObject[]) => list.map((c) => String(c.id)).join(' ')
    const held = this.byMember.get(member)
    if (held !== undefined && ids(held) === ids(credentials)) return
    if (held === undefined && this.byMember.size >= MAX_PARTIES) return
    this.byMember.set(member, credentials)
    await this.stored.put(`${this.descriptor.id} ${member}`, [...credentials])
  }

  credentialsOf(member: string): readonly JsonLdObject[] {
    return this.byMember.get(member) ?? []
  }

  /** The name in the newest credential that carries one. */
  nameOf(member: string): CredentialName | undefined {
    return credentialName(this.credentialsOf(member))
  }
}

/** The name the newest of these membership credentials gives its member, and who issued it. */
export function credentialName(credentials: readonly JsonLdObject[]): CredentialName | undefined {
  const named = credentials
    .map((credential) => ({ credential, ...membershipSubject(credential) }))
    .filter((c) => c.name !== undefined)
    .sort((a, b) => ordinalCompare(String(b.credential.validFrom), String(a.credential.validFrom)))[0]
  if (named?.name === undefined || typeof named.credential.issuer !== 'string') return undefined
  return { name: named.name, issuer: named.credential.issuer }
}
