import type { PeerSummary } from '../bindings/p2p/index.js'
import { type NodeConfig, reachabilityWarnings } from '../config/index.js'
import type { DataspaceService } from '../dataspace/index.js'
import type { NodeStatusView } from './routes/node-routes.js'

/** What a node's status is read from: its config, its data space, its peers and where it starts looking for them. */
export interface NodeStatusParts {
  readonly config: NodeConfig
  readonly dataspace?: Pick<DataspaceService, 'descriptor' | 'updateStanding'>
  readonly peers: readonly PeerSummary[]
  /** The bootstrap addresses of config and descriptor together. */
  readonly bootstrap: readonly string[]
}

/** Membership, connectivity, and warnings about what keeps peers from reaching this node, in words. */
export async function nodeStatusOf(parts: NodeStatusParts): Promise<NodeStatusView> {
  const { config, dataspace, peers } = parts
  const standing = dataspace === undefined ? undefined : await dataspace.updateStanding()
  const warnings = reachabilityWarnings(config)
  if (parts.bootstrap.length === 0 && peers.length === 0 && standing?.state !== 'anchor') {
    warnings.push(
      'no bootstrap address and no remembered peer: this node finds nobody; join a data space (allmende dataspace join) or add one (allmende config set bootstrap MULTIADDR)',
    )
  }
  if (standing?.reason !== undefined) warnings.push(standing.reason)
  return {
    membership:
      dataspace === undefined || standing === undefined
        ? null
        : {
            dataspace: dataspace.descriptor.id,
            title: dataspace.descriptor.title,
            ...standing,
            endorsedBy: [...standing.endorsedBy],
            revoked: [...standing.revoked],
          },
    connectivity: { admittedPeers: peers.filter((peer) => peer.admitted).length, knownPeers: peers.length },
    warnings,
  }
}
