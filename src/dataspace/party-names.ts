import type { JsonLdObject } from '../credentials/index.js'
import type { DataspaceService } from './dataspace-service.js'
import type { DataspaceDescriptor } from './descriptor.js'

/** A party's name and where this node has it from. */
export interface PartyName {
  name: string
  /** This node's own config, the party's membership credential (vouched by `issuer`), or its handshake. */
  from: 'this node' | 'membership credential' | 'handshake'
  issuer?: string
}

/** A peer as the mesh knows it: its did:key and the name it gave in its handshake, when known. */
export interface NamedPeer {
  readonly did: string | null
  readonly name: string | null
}

/** What names the parties of an agreement in a proof: their membership credentials and the descriptor. */
export interface PartyEvidence {
  readonly descriptor?: DataspaceDescriptor
  readonly credentials: readonly JsonLdObject[]
}

/**
 * The names of the parties a node knows, strongest source first: its own from its config; the name
 * an anchor wrote into a party's membership credential; else the name a peer gave in its handshake.
 */
export class PartyNames {
  constructor(
    private readonly self: { readonly did: string; readonly name: string },
    private readonly dataspace: DataspaceService | undefined,
    private readonly peers: () => Promise<readonly NamedPeer[]>,
  ) {}

  /** Each of `dids` this node can name, with where the name comes from; without `dids`, every party it knows. */
  async of(dids?: readonly string[]): Promise<Record<string, PartyName>> {
    const dataspace = this.dataspace
    const peers = await this.peers()
    const wanted = dids ?? (await this.known(peers, dataspace))
    const names: Record<string, PartyName> = {}
    for (const did of wanted) {
      if (did === this.self.did) {
        names[did] = { name: this.self.name, from: 'this node' }
        continue
      }
      const vouched = await dataspace?.credentialNameOf(did)
      if (vouched !== undefined) {
        names[did] = { name: vouched.name, from: 'membership credential', issuer: vouched.issuer }
        continue
      }
      const given = peers.find((peer) => peer.did === did)?.name
      if (given !== undefined && given !== null) names[did] = { name: given, from: 'handshake' }
    }
    return names
  }

  /**
   * The names peers gave, and this node's own, by DID: one call per request (a name looked up per
   * search hit listed every peer again for each provider).
   */
  async given(): Promise<Map<string, string>> {
    const names = new Map<string, string>()
    for (const peer of await this.peers()) {
      if (peer.did !== null && peer.name !== null) names.set(peer.did, peer.name)
    }
    names.set(this.self.did, this.self.name)
    return names
  }

  /** The membership credentials this node holds of `parties`, and the descriptor they are checked against. */
  async evidenceOf(parties: readonly string[]): Promise<PartyEvidence> {
    const dataspace = this.dataspace
    if (dataspace === undefined) return { credentials: [] }
    const held = await Promise.all(parties.map((did) => dataspace.membershipCredentialsOf(did)))
    return { descriptor: dataspace.descriptor, credentials: held.flat() }
  }

  /** Itself, its peers, and the members it endorsed or met. */
  private async known(
    peers: readonly NamedPeer[],
    dataspace: DataspaceService | undefined,
  ): Promise<string[]> {
    const members = (await dataspace?.members().catch(() => [])) ?? []
    return [
      ...new Set([
        this.self.did,
        ...peers.flatMap((peer) => (peer.did === null ? [] : [peer.did])),
        ...members.map((member) => member.did),
      ]),
    ]
  }
}
