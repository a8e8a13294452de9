import { AllmendeError } from '../../protocol/errors.js'

/** A peer did not pass admission to this data space (wrong data space, no membership, revoked). */
export class PeerNotAdmittedError extends AllmendeError {
  static override name = 'PeerNotAdmittedError'
  constructor(peer: string, reason: string) {
    super('ALLMENDE_PEER_NOT_ADMITTED', `peer ${peer} is not admitted: ${reason}`)
  }
}

/** This node is not (yet, or no longer) a member of its data space: peers would refuse it. */
export class NotAMemberError extends AllmendeError {
  static override name = 'NotAMemberError'
  constructor(reason: string) {
    super('ALLMENDE_NOT_A_MEMBER', reason)
  }
}

/** The DHT asked a peer this node has no connection to: it queries connected peers only, the mesh dials. */
export class NotConnectedError extends AllmendeError {
  static override name = 'NotConnectedError'
  constructor(peer: string) {
    super('ALLMENDE_NOT_CONNECTED', `the DHT does not dial ${peer}: it asks connected peers only`)
  }
}

/**
 * No address is known for a member this node is not connected to: neither this node nor the peers it asked
 * (anchors first) know where it listens. Worth another try later: the member may be starting or moving.
 */
export class PeerNotFoundError extends AllmendeError {
  static override name = 'PeerNotFoundError'
  constructor(did: string, asked: number) {
    super(
      'ALLMENDE_PEER_NOT_FOUND',
      asked === 0
        ? `no address is known for ${did}, and this node is connected to no admitted peer it could ask: ` +
            'check with `allmende status` that it reaches an anchor of its data space'
        : `no address is known for ${did}: this node is not connected to it, and none of the ${asked} ` +
            'peers it asked (anchors first) knows where it listens; it may not be running or no longer be a ' +
            'member (its operator sees both with `allmende status`), or the DID may be mistyped',
    )
  }
}

/** A libp2p module no longer has the internals one of this node's patches of it sets: the build must be fixed. */
export class Libp2pPatchError extends AllmendeError {
  static override name = 'Libp2pPatchError'
  constructor(what: string) {
    super(
      'ALLMENDE_LIBP2P_PATCH',
      `${what}: the installed libp2p release differs from the one this Allmende build was made for; ` +
        'reinstall the dependencies from package-lock.json (npm ci)',
    )
  }
}

/** A peer refused this node its member directory: it has not admitted this node (yet, or no longer). */
export class MemberDirectoryRefusedError extends AllmendeError {
  static override name = 'MemberDirectoryRefusedError'
  constructor(peer: string, reason: string) {
    super('ALLMENDE_DIRECTORY_REFUSED', `peer ${peer} refused its member directory: ${reason}`)
  }
}
