import type { Libp2p } from '@libp2p/interface'
import { peerIdFromDidKey } from '../../identity/index.js'
import type { PeerAdmission } from './admission.js'

/**
 * Membership shown over libp2p, asked by DID: a party is a member when its peer passed the admission
 * handshake. Only a did:key names a libp2p peer.
 */
export class AdmittedMembers {
  constructor(
    private readonly libp2p: Pick<Libp2p, 'getConnections'>,
    private readonly admission: Pick<PeerAdmission, 'isAdmitted'>,
  ) {}

  /** With `connectedOnly`, a peer without a connection now is not waited for. */
  async isAdmitted(did: string, options: { connectedOnly: boolean }): Promise<boolean> {
    if (!did.startsWith('did:key:')) return false
    const peer = peerIdFromDidKey(did)
    if (options.connectedOnly && this.libp2p.getConnections(peer).length === 0) return false
    return this.admission.isAdmitted(peer)
  }
}
