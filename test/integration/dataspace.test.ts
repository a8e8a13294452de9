import '../../src/polyfills.js'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  P2pDataspaceNetwork,
  P2pDspEndpoint,
  PeerAdmission,
} from '../../src/bindings/p2p/index.js'
import { StatusListIssuer } from '../../src/credentials/index.js'
import {
  createDescriptor,
  type DataspaceDescriptor,
  DataspaceService,
  sameDataspacePolicy,
} from '../../src/dataspace/index.js'
import { generateNodeKey, type NodeKey } from '../../src/identity/index.js'
import { createSilentLogger } from '../../src/log/index.js'
import { createCatalog, createCatalogRequestMessage } from '../../src/protocol/index.js'
import { Store } from '../../src/store/index.js'
import {
  allmendeJson,
  allmendeOk,
  apiGet,
  eventually,
  initNodes,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Peer {
  peerId: string
  did: string | null
  connected: boolean
  admitted: boolean
}
interface Member {
  did: string
  state: 'active' | 'revoked'
  connected: boolean
}

const REFRESH_SECONDS = 2
// One refresh period, plus the status list fetch, the hang-up and this test's polling of three APIs.
const DROP_LIMIT_MS = REFRESH_SECONDS * 1000 + 2_000

describe('a data space of four nodes: anchor A, members B and D, outsider C', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const peerId: Record<string, string> = {}
  const dir = (name: string) => join(root, name)
  let descriptorPath: string
  let dataspaceId: string

  // The API directly, not `allmende peers`: a CLI process takes over a second, too coarse for timing.
  const api = <T>(name: string, path: string) => apiGet<T>(nodes[name]!, dir(name), path)
  const peersOf = async (name: string) => (await api<{ peers: Peer[] }>(name, '/api/v1/peers')).peers
  const admittedBy = async (name: string, other: string) =>
    (await peersOf(name)).some((p) => p.peerId === peerId[other] && p.connected && p.admitted)
  const connectedTo = async (name: string, other: string) =>
    (await peersOf(name)).some((p) => p.peerId === peerId[other] && p.connected)

  before(async () => {
    root = await tempDir('allmende-dataspace-')
    const init = await initNodes(root, ['a', 'b', 'c', 'd'])
    Object.assign(did, init.did)
    Object.assign(peerId, init.peerId)
    // A creates the space while running, so its listen address becomes the descriptor's bootstrap address.
    nodes.a = await startAllmende(['--dir', dir('a')])
    const created = await allmendeJson<{ descriptor: string; id: string }>([
      'dataspace',
      'create',
      '--title',
      'Südwest-Cluster',
      '--membership-refresh',
      String(REFRESH_SECONDS),
      '--dir',
      dir('a'),
    ])
    descriptorPath = created.descriptor
    dataspaceId = created.id
    await nodes.a.stop()
    for (const name of ['b', 'c', 'd']) {
      await allmendeOk([
        'dataspace',
        'join',
        '--descriptor',
        descriptorPath,
        '--membership-refresh',
        String(REFRESH_SECONDS),
        '--dir',
        dir(name),
      ])
    }
    // B is endorsed while A is stopped (the CLI opens A's database), D through A's running API.
    await allmendeOk(['dataspace', 'endorse', did.b!, '--dir', dir('a')])
    nodes.a = await startAllmende(['--dir', dir('a')])
    await allmendeOk(['dataspace', 'endorse', did.d!, '--dir', dir('a')])
    ;[nodes.b, nodes.c, nodes.d] = await Promise.all(
      ['b', 'c', 'd'].map((name) => startAllmende(['--dir', dir(name)])),
    )
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('writes a signed descriptor and points the configs at it', async () => {
    const descriptor = JSON.parse(await readFile(descriptorPath, 'utf8'))
    assert.equal(descriptor.id, dataspaceId)
    assert.match(dataspaceId, /^urn:uuid:/)
    assert.deepEqual(descriptor.trustAnchor, [did.a])
    assert.equal(descriptor.endorsementsRequired, 1)
    assert.equal(descriptor.bootstrap.length, 1)
    assert.ok(descriptor.bootstrap[0].endsWith(`/p2p/${peerId.a}`))
    assert.equal(descriptor.proof.cryptosuite, 'eddsa-rdfc-2022')
    for (const name of ['a', 'b']) {
      const config = JSON.parse(await readFile(join(dir(name), 'config.json'), 'utf8'))
      assert.equal(config.dataspace, dataspaceId)
      assert.equal(config.descriptor, 'dataspace.json')
    }
    // The descriptor's bootstrap list is read at start, not copied: a newer version replaces it.
    const configB = JSON.parse(await readFile(join(dir('b'), 'config.json'), 'utf8'))
    assert.deepEqual(configB.bootstrap, [])
  })

  it('refuses to join a tampered descriptor', async () => {
    const descriptor = JSON.parse(await readFile(descriptorPath, 'utf8'))
    descriptor.endorsementsRequired = 0
    descriptor.title = 'Hijacked'
    const forged = join(root, 'forged.json')
    await (await import('node:fs/promises')).writeFile(forged, JSON.stringify(descriptor))
    const result = await runAllmende(['dataspace', 'join', '--descriptor', forged, '--dir', dir('c')])
    assert.equal(result.code, 2)
    assert.match(result.stderr, /descriptor/)
    assert.equal(result.stderr.trim().split('\n').length, 1)
  })

  it('admits the endorsed members B and D, to A and to each other', async () => {
    for (const [self, other] of [
      ['a', 'b'],
      ['a', 'd'],
      ['b', 'a'],
      ['d', 'a'],
      ['b', 'd'],
      ['d', 'b'],
    ] as const) {
      await eventually(async () => ((await admittedBy(self, other)) ? true : undefined), {
        what: `${self} to admit ${other}`,
      }).catch((error: Error) => {
        // name the admission decisions of both nodes, so a failure says why
        const decisions = (name: string) =>
          nodes[name]!.output()
            .split('\n')
            .filter((line) => /denied|membership|admitted/.test(line))
            .join('\n')
        throw new Error(`${error.message}\n${self}:\n${decisions(self)}\n${other}:\n${decisions(other)}`)
      })
    }
  })

  it('refuses C, which joined but is not endorsed: no connection is kept either way', async () => {
    await eventually(async () => ((await peersOf('c')).some((p) => p.connected) ? undefined : true), {
      what: 'C to hold no connection',
    })
    assert.equal(await admittedBy('a', 'c'), false)
    assert.equal(await connectedTo('a', 'c'), false)
    // C is told what to do, in its status and its log; the anchor does not list it as a peer
    const status = await api<{ membership: { state: string; reason: string } }>('c', '/api/v1/status')
    assert.equal(status.membership.state, 'not-endorsed')
    assert.match(status.membership.reason, /allmende dataspace endorse/)
    assert.match(nodes.c!.output(), /not yet a member/)
    assert.equal(
      (await peersOf('a')).some((p) => p.peerId === peerId.c),
      false,
    )
  })

  it('lists the members on the anchor and serves data space and status list over the API', async () => {
    const members = await allmendeJson<Member[]>(['dataspace', 'members', '--dir', dir('a')])
    assert.deepEqual(
      members.map((m) => [m.did, m.state]).sort(),
      [
        [did.b, 'active'],
        [did.d, 'active'],
      ].sort(),
    )
    const token = (await readFile(join(dir('a'), 'api-token'), 'utf8')).trim()
    const headers = { authorization: `Bearer ${token}` }
    const summary = (await (await fetch(`${nodes.a!.apiUrl}/api/v1/dataspace`, { headers })).json()) as {
      id: string
      anchor: boolean
    }
    assert.equal(summary.id, dataspaceId)
    assert.equal(summary.anchor, true)
    const list = await fetch(`${nodes.a!.apiUrl}/api/v1/status-lists/1`, { headers })
    assert.equal(list.status, 200)
    const credential = (await list.json()) as { type: string[]; issuer: string }
    assert.ok(credential.type.includes('BitstringStatusListCredential'))
    assert.equal(credential.issuer, did.a)
    const missing = await fetch(`${nodes.a!.apiUrl}/api/v1/status-lists/99`, { headers })
    assert.equal(missing.status, 404)
    // a member is no anchor: it cannot endorse
    const refused = await runAllmende(['dataspace', 'endorse', did.c!, '--dir', dir('b')])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /not a trust anchor/)
  })

  it('drops B within one refresh after A revokes it, refuses it on redial, and keeps D', async (t) => {
    await allmendeOk(['dataspace', 'revoke', did.b!, '--dir', dir('a')])
    const revokedAt = Date.now()
    await eventually(
      async () =>
        (await connectedTo('a', 'b')) || (await connectedTo('d', 'b')) || (await connectedTo('b', 'd'))
          ? undefined
          : true,
      { what: 'B to be disconnected from A and D', timeoutMs: DROP_LIMIT_MS },
    )
    const elapsed = Date.now() - revokedAt
    assert.ok(elapsed < DROP_LIMIT_MS, `B was dropped after ${elapsed} ms`)
    t.diagnostic(
      `B dropped by A and D ${elapsed} ms after the revoke command returned (refresh ${REFRESH_SECONDS} s)`,
    )
    const members = await allmendeJson<Member[]>(['dataspace', 'members', '--dir', dir('a')])
    assert.equal(members.find((m) => m.did === did.b)?.state, 'revoked')

    // A restarted B redials its bootstrap peer A: refused at the gate.
    await nodes.b!.stop()
    nodes.b = await startAllmende(['--dir', dir('b')])
    const restarted = nodes.b
    await eventually(
      async () => (/it refused us|admission not completed/.test(restarted.output()) ? true : undefined),
      {
        what: 'the restarted B to be refused',
      },
    )
    await eventually(
      async () => ((await connectedTo('a', 'b')) || (await connectedTo('d', 'b')) ? undefined : true),
      { what: 'the restarted B to stay outside A and D' },
    )
    assert.equal(await admittedBy('a', 'd'), true)
    assert.equal(await admittedBy('d', 'a'), true)
  })
})

describe('in process: the membership gate in front of DSP', () => {
  interface InProcessNode {
    key: NodeKey
    libp2p: AllmendeLibp2p
    admission: PeerAdmission
    dataspace: DataspaceService
    endpoint: P2pDspEndpoint
    store: Store
  }
  const started: InProcessNode[] = []

  async function startNode(key: NodeKey, descriptor: DataspaceDescriptor): Promise<InProcessNode> {
    const log = createSilentLogger()
    const store = await Store.open(join(await tempDir('allmende-dataspace-node-'), 'db'))
    const admission = new PeerAdmission(log, sameDataspacePolicy(descriptor.id))
    const dataspace = new DataspaceService({
      descriptor,
      key,
      store,
      statusLists: await StatusListIssuer.open({ store, key }),
      log,
      refreshSeconds: 1,
    })
    admission.setPolicy(dataspace.policy)
    const libp2p = await buildLibp2p({
      privateKey: key.privateKey,
      dataspace: descriptor.id,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      admission,
    })
    await admission.start(libp2p)
    await dataspace.start(new P2pDataspaceNetwork(libp2p, admission, descriptor.id, log))
    await libp2p.start()
    const endpoint = new P2pDspEndpoint(libp2p, admission, log)
    await endpoint.serve('catalog', async () =>
      createCatalog({ '@id': `urn:uuid:${randomUUID()}`, participantId: key.did }),
    )
    const node = { key, libp2p, admission, dataspace, endpoint, store }
    started.push(node)
    return node
  }

  after(async () => {
    for (const node of started) {
      node.dataspace.stop()
      await node.libp2p.stop()
      await node.store.close()
    }
  })

  it('serves the catalog to an endorsed member only, and stops serving it once revoked', async () => {
    const [keyA, keyB, keyC] = await Promise.all([generateNodeKey(), generateNodeKey(), generateNodeKey()])
    const descriptor = await createDescriptor({ title: 'In-Process', anchors: [keyA] })
    const a = await startNode(keyA, descriptor)
    await a.dataspace.endorse(keyB.did)
    const [b, c] = await Promise.all([startNode(keyB, descriptor), startNode(keyC, descriptor)])
    const addressOfA = a.libp2p.getMultiaddrs()[0]!

    await b.libp2p.dial(addressOfA)
    // A admits B on its own register; B fetches its credential from A once admitted, outside the handshake.
    await eventually(
      async () =>
        (await b.admission.isAdmitted(keyA.peerId)) &&
        (await b.dataspace.wallet.endorsers()).includes(keyA.did)
          ? true
          : undefined,
      { what: 'B to be admitted by A and to hold its credential' },
    )
    await b.dataspace.updateStanding()
    const catalog = await b.endpoint.request(keyA.peerId, 'catalog', createCatalogRequestMessage())
    assert.equal((catalog as { participantId?: string }).participantId, keyA.did)
    assert.equal(await a.admission.isAdmitted(keyB.peerId), true)
    assert.equal(await b.admission.isAdmitted(keyA.peerId), true)
    assert.equal((await b.dataspace.wallet.endorsers()).join(), keyA.did)

    // C asks at once, while its handshake is still running: the DSP endpoint waits for the verdict and refuses.
    await c.libp2p.dial(addressOfA).catch(() => undefined)
    await assert.rejects(c.endpoint.request(keyA.peerId, 'catalog', createCatalogRequestMessage()))
    assert.equal(await a.admission.isAdmitted(keyC.peerId), false)
    // C's request may fail on C's side (the connection closing) before A has noted its verdict.
    await eventually(
      async () =>
        /too-few-endorsements/.test(a.admission.deniedReason(keyC.peerId) ?? '') ? true : undefined,
      { what: "A's verdict on C: too few endorsements" },
    )
    await eventually(
      async () =>
        a.libp2p.getConnections(keyC.peerId).length === 0 && c.libp2p.getConnections(keyA.peerId).length === 0
          ? true
          : undefined,
      { what: 'A and C to drop their connection' },
    )
    // On redial A's connection gater refuses C before any connection (and so any protocol) exists.
    let opened = 0
    a.libp2p.addEventListener('connection:open', (event) => {
      if (event.detail.remotePeer.equals(keyC.peerId)) opened++
    })
    // C may see its side upgraded before A's gater closes it: once C holds no connection, A has decided.
    await c.libp2p.dial(addressOfA).catch(() => undefined)
    await eventually(async () => (c.libp2p.getConnections(keyA.peerId).length === 0 ? true : undefined), {
      what: 'A to close the refused connection',
    })
    assert.equal(opened, 0, 'A opened a connection to the refused peer C')
    await assert.rejects(c.endpoint.request(keyA.peerId, 'catalog', createCatalogRequestMessage()))

    await a.dataspace.revoke(keyB.did)
    await assert.rejects(b.endpoint.request(keyA.peerId, 'catalog', createCatalogRequestMessage()))
    assert.match(a.admission.deniedReason(keyB.peerId) ?? '', /revoked/)
  })
})
