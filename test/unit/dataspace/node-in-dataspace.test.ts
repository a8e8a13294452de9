import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { parseStatusListUrl, StatusListIssuer } from '../../../src/credentials/index.js'
import {
  bootstrapAddresses,
  createDescriptor,
  type DataspaceDescriptor,
  type DataspaceHandlers,
  DataspaceService,
  PartyNames,
  reachOf,
  TokenMembership,
} from '../../../src/dataspace/index.js'
import type { NodeKey } from '../../../src/identity/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import type { Store } from '../../../src/store/index.js'
import { eventually } from '../../support/cli-process.js'
import { keys, quietNetwork, statusLists, tempStore } from './fixtures.js'

/** A node's data space service as the composition root builds it, not started on a network. */
async function serviceOf(
  key: NodeKey,
  descriptor: DataspaceDescriptor,
  store: Store,
): Promise<DataspaceService> {
  return new DataspaceService({
    descriptor,
    key,
    store,
    statusLists: await StatusListIssuer.open({ store, key }),
    log: createSilentLogger(),
  })
}

describe('a node in its data space: where it looks for peers, names, ID-token membership', () => {
  let k: Awaited<ReturnType<typeof keys>>
  let descriptor: DataspaceDescriptor
  let stores: Store[]
  let anchor: DataspaceService
  let member: DataspaceService
  const anchorAddress = (key: NodeKey) => `/ip4/127.0.0.1/tcp/4001/p2p/${key.peerId.toString()}`

  before(async () => {
    k = await keys()
    descriptor = await createDescriptor({
      title: 'Südwest-Cluster',
      anchors: [k.anchor1],
      bootstrap: [anchorAddress(k.anchor1)],
    })
    stores = [await tempStore(), await tempStore()]
    anchor = await serviceOf(k.anchor1, descriptor, stores[0]!)
    member = await serviceOf(k.member, descriptor, stores[1]!)
  })
  after(async () => {
    for (const store of stores) await store.close()
  })

  it("starts from config's and descriptor's bootstrap addresses, once each, never its own", () => {
    const configured = [anchorAddress(k.anchor1), '/dns4/kusel.example/tcp/4001']
    assert.deepEqual(bootstrapAddresses(configured, undefined, k.member.peerId), configured)
    assert.deepEqual(bootstrapAddresses(configured, member, k.member.peerId), configured)
    assert.deepEqual(bootstrapAddresses([], anchor, k.anchor1.peerId), [])
    assert.deepEqual(bootstrapAddresses([], member, k.member.peerId), [anchorAddress(k.anchor1)])
  })

  it('reaches only the anchors while not endorsed, everyone as an anchor or without a descriptor', async () => {
    const anchors = [k.anchor1.peerId.toString()]
    assert.deepEqual(reachOf(undefined, 60_000), {
      outsider: false,
      maxBackoffMs: 30_000,
      anchors: [],
      anchorsWanted: 0,
    })
    assert.equal((await member.updateStanding()).state, 'not-endorsed')
    assert.deepEqual(reachOf(member, 60_000), {
      outsider: true,
      maxBackoffMs: 30_000,
      anchors,
      anchorsWanted: 1,
    })
    assert.equal((await anchor.updateStanding()).state, 'anchor')
    assert.deepEqual(reachOf(anchor, 60_000), {
      outsider: false,
      maxBackoffMs: 30_000,
      anchors,
      anchorsWanted: 1,
    })
  })

  it('keeps as many anchors in reach as its credentials need, an anchor all of them', async () => {
    const withTwoAnchors = (endorsementsRequired: number) =>
      createDescriptor({ title: 'Zwei Anker', anchors: [k.anchor1, k.anchor2], endorsementsRequired })
    const [one, two] = [await withTwoAnchors(1), await withTwoAnchors(2)]
    const cases = [
      [k.member, two, 2],
      [k.member, one, 1],
      [k.anchor2, one, 2],
    ] as const
    for (const [key, space, wanted] of cases) {
      const store = await tempStore()
      stores.push(store)
      const service = await serviceOf(key, space, store)
      await service.updateStanding()
      assert.equal(reachOf(service, 60_000).anchorsWanted, wanted)
    }
  })

  it('names itself from its config and a peer by the name it gave in its handshake', async () => {
    const peers = [
      { did: k.other.did, name: 'Stadt Landstuhl' },
      { did: null, name: 'no did:key yet' },
    ]
    const names = new PartyNames({ did: k.member.did, name: 'VG Altenglan' }, member, async () => peers)
    assert.deepEqual(await names.of([k.member.did, k.other.did, k.stranger.did]), {
      [k.member.did]: { name: 'VG Altenglan', from: 'this node' },
      [k.other.did]: { name: 'Stadt Landstuhl', from: 'handshake' },
    })
    assert.deepEqual(Object.keys(await names.of()).sort(), [k.member.did, k.other.did].sort())
    assert.deepEqual(
      await names.given(),
      new Map([
        [k.other.did, 'Stadt Landstuhl'],
        [k.member.did, 'VG Altenglan'],
      ]),
    )
  })

  it("hands a proof the descriptor and the parties' membership credentials it holds", async () => {
    const names = new PartyNames({ did: k.member.did, name: 'VG Altenglan' }, member, async () => [])
    assert.deepEqual(await names.evidenceOf([k.other.did]), { descriptor, credentials: [] })
    const alone = new PartyNames({ did: k.member.did, name: 'VG Altenglan' }, undefined, async () => [])
    assert.deepEqual(await alone.evidenceOf([k.other.did]), { credentials: [] })
  })

  it('an anchor shows its membership in an ID token, and a node of its data space accepts it', async () => {
    const shown = await new TokenMembership(anchor, k.anchor1.did).presentationFor(k.member.did)
    assert.ok(shown !== undefined, 'an anchor has a presentation to show')
    const { cache } = await statusLists(stores[1]!, [k.anchor1])
    const verdict = await new TokenMembership(member, k.member.did).check(shown, k.anchor1.did, cache)
    assert.equal(verdict.member, true)
    const stolen = await new TokenMembership(member, k.member.did).check(shown, k.stranger.did, cache)
    assert.equal(stolen.member, false, 'a presentation held by another party proves nothing')
  })

  it('asks its anchor again soon when a credential request went unanswered, not a refresh period later', async () => {
    const store = await tempStore()
    stores.push(store)
    // A refresh period of an hour: only the retry can bring the credential within the test.
    const joining = new DataspaceService({
      descriptor,
      key: k.other,
      store,
      statusLists: await StatusListIssuer.open({ store, key: k.other }),
      log: createSilentLogger(),
      refreshSeconds: 3600,
      credentialRetryMs: 20,
    })
    const { credential } = await anchor.endorse(k.other.did)
    let asked = 0
    let handlers: DataspaceHandlers | undefined
    // The network fails the first request as a busy anchor's timeout does; a real one cannot be made to, on cue.
    const network = quietNetwork({
      serve: async (served) => {
        handlers = served
      },
      isConnected: (peer) => peer === k.anchor1.did,
      requestCredential: async () => {
        if (++asked === 1) throw new Error('The operation was aborted due to timeout')
        return credential
      },
      fetchStatusList: (listUrl) => anchor.statusListCredential(parseStatusListUrl(listUrl).listId),
    })
    await joining.start(network)
    try {
      handlers!.admitted(k.anchor1.did)
      await eventually(async () => (joining.standing?.state === 'member' ? true : undefined), {
        what: 'the credential of the second request',
        intervalMs: 10,
      })
      assert.equal(asked, 2)
    } finally {
      joining.stop()
    }
  })

  it('shows nothing without a membership credential, and admits nobody without a descriptor', async () => {
    assert.equal(await new TokenMembership(member, k.member.did).presentationFor(k.anchor1.did), undefined)
    const outside = new TokenMembership(undefined, k.member.did)
    assert.equal(await outside.presentationFor(k.anchor1.did), undefined)
    const { cache } = await statusLists(stores[1]!, [])
    assert.deepEqual(await outside.check({ type: ['VerifiablePresentation'] }, k.anchor1.did, cache), {
      member: false,
      reason: 'this node belongs to no data space with a descriptor',
    })
  })
})
