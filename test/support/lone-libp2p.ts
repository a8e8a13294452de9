import { type AllmendeLibp2p, buildLibp2p, PeerAdmission } from '../../src/bindings/p2p/index.js'
import { sameDataspacePolicy } from '../../src/dataspace/index.js'
import { generateNodeKey } from '../../src/identity/index.js'
import { createSilentLogger } from '../../src/log/index.js'

/**
 * A node's libp2p as `allmende start` builds it, not started: a fresh key, listening nowhere, admitting the
 * peers of the named data space.
 */
export async function loneLibp2p(dataspace: string): Promise<AllmendeLibp2p> {
  return buildLibp2p({
    privateKey: (await generateNodeKey()).privateKey,
    dataspace,
    listen: [],
    mdns: false,
    admission: new PeerAdmission(createSilentLogger(), sameDataspacePolicy(dataspace)),
  })
}
