import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { nodeStatusOf } from '../../../src/api/index.js'
import type { PeerSummary } from '../../../src/bindings/p2p/index.js'
import { DEFAULT_CONFIG, type NodeConfig } from '../../../src/config/index.js'
import { StatusListIssuer } from '../../../src/credentials/index.js'
import { createDescriptor, DataspaceService } from '../../../src/dataspace/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import type { Store } from '../../../src/store/index.js'
import { keys, tempStore } from '../dataspace/fixtures.js'

/** A node reachable from the network: a fixed port on every interface, announced under a name. */
const reachable: NodeConfig = {
  ...DEFAULT_CONFIG,
  name: 'VG Altenglan',
  listen: ['/ip4/0.0.0.0/tcp/4001'],
  announce: ['/dns4/altenglan.example/tcp/4001'],
}

function peer(admitted: boolean): PeerSummary {
  return {
    peerId: '12D3KooWPeer',
    did: null,
    name: null,
    addresses: [],
    connected: admitted,
    admitted,
    latencyMs: null,
    lastSeen: null,
  }
}

describe('nodeStatusOf: what GET /api/v1/status says', () => {
  let store: Store
  let anchor: DataspaceService

  before(async () => {
    const k = await keys()
    store = await tempStore()
    anchor = new DataspaceService({
      descriptor: await createDescriptor({ title: 'Südwest-Cluster', anchors: [k.anchor1] }),
      key: k.anchor1,
      store,
      statusLists: await StatusListIssuer.open({ store, key: k.anchor1 }),
      log: createSilentLogger(),
    })
  })
  after(() => store.close())

  it('warns a node that has nobody to ask and no way to be found', async () => {
    const status = await nodeStatusOf({
      config: { ...DEFAULT_CONFIG, name: 'Solo' },
      peers: [],
      bootstrap: [],
    })
    assert.equal(status.membership, null)
    assert.deepEqual(status.connectivity, { admittedPeers: 0, knownPeers: 0 })
    assert.equal(status.warnings.length, 3)
    assert.match(status.warnings[0]!, /port 0/)
    assert.match(status.warnings[1]!, /loopback only/)
    assert.match(status.warnings[2]!, /this node finds nobody/)
  })

  it('counts admitted and known peers and says nothing of a node that can be found', async () => {
    const status = await nodeStatusOf({
      config: reachable,
      peers: [peer(true), peer(false)],
      bootstrap: ['/dns4/kusel.example/tcp/4001'],
    })
    assert.deepEqual(status.connectivity, { admittedPeers: 1, knownPeers: 2 })
    assert.deepEqual(status.warnings, [])
  })

  it("shows an anchor's membership; an anchor needs no bootstrap address", async () => {
    const status = await nodeStatusOf({ config: reachable, dataspace: anchor, peers: [], bootstrap: [] })
    assert.equal(status.membership?.state, 'anchor')
    assert.equal(status.membership?.title, 'Südwest-Cluster')
    assert.equal(status.membership?.dataspace, anchor.descriptor.id)
    assert.deepEqual(status.warnings, [])
  })
})
