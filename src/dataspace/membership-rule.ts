/** Where a party shows its membership of this node's data space, one port per binding. */
export interface MembershipShown {
  /** Over DSP HTTP: a valid membership presentation in one of its ID tokens, recently. */
  readonly overHttp: { isMember(did: string): boolean }
  /**
   * Over libp2p: the admission handshake. With `connectedOnly`, a party not connected now is no member
   * over libp2p (a running handshake is still waited for); without, a handshake about to start is waited for.
   */
  readonly overLibp2p: { isAdmitted(did: string, options: { connectedOnly: boolean }): Promise<boolean> }
}

/**
 * The one membership rule of a node, for the catalog, the provider's decision and the data plane
 * alike: a party is a member when it showed its membership over either binding. A party that asked
 * over DSP HTTP may never connect over libp2p, so its libp2p handshake is not waited for.
 */
export class MembershipRule {
  constructor(private readonly shown: MembershipShown) {}

  /** Whether `did` is a member now; `askedOverHttp` when its request came over DSP HTTP. */
  async isMember(did: string, askedOverHttp: boolean): Promise<boolean> {
    if (this.shown.overHttp.isMember(did)) return true
    return this.shown.overLibp2p.isAdmitted(did, { connectedOnly: askedOverHttp })
  }
}
