import type { JsonLdObject, StatusChecker } from '../credentials/index.js'
import type { DataspaceService } from './dataspace-service.js'
import { checkMembership, type MembershipVerdict } from './membership-check.js'

/**
 * Membership shown in a self-issued ID token (DSP over HTTPS, where no libp2p handshake proves it):
 * what this node puts into its own tokens, and how it checks what a caller put into its token.
 */
export class TokenMembership {
  /** `dataspace` undefined: the node belongs to no data space with a descriptor, and shows and admits nothing this way. */
  constructor(
    private readonly dataspace: DataspaceService | undefined,
    private readonly ownDid: string,
  ) {}

  /**
   * The presentation this node shows a provider (`audience`) in its ID token; undefined when it has
   * nothing to show: neither an anchor nor the holder of a membership credential.
   */
  async presentationFor(audience: string): Promise<JsonLdObject | undefined> {
    const dataspace = this.dataspace
    if (dataspace === undefined) return undefined
    if (!dataspace.policy.isAnchor && (await dataspace.wallet.list()).length === 0) return undefined
    return (await dataspace.policy.proofFor(audience)) as JsonLdObject
  }

  /**
   * Checks the presentation a caller (`holder`) showed against the data space's admission rule, with
   * this node's DID as the challenge and the anchors' revocations as vetoes.
   */
  async check(
    presentation: JsonLdObject,
    holder: string,
    statusChecker: StatusChecker,
  ): Promise<MembershipVerdict | { readonly member: false; readonly reason: string }> {
    const dataspace = this.dataspace
    if (dataspace === undefined) {
      return { member: false, reason: 'this node belongs to no data space with a descriptor' }
    }
    return checkMembership(presentation, {
      descriptor: dataspace.descriptor,
      holder,
      challenge: this.ownDid,
      statusChecker,
      vetoes: (member, credentials) => dataspace.vetoesOf(member, credentials),
    })
  }
}
