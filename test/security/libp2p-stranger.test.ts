import '../../src/polyfills.js'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { noise } from '@chainsafe/libp2p-noise'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { Libp2p, PeerId } from '@libp2p/interface'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { yamux } from '@libp2p/yamux'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { pino } from 'pino'
import {
  type AdmissionOptions,
  type AllmendeLibp2p,
  buildLibp2p,
  fetchStatusList,
  JsonFrames,
  MemberDirectory,
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
import { createSilentLogger, UnauthenticatedRefusals } from '../../src/log/index.js'
import {
  catalogTopic,
  DSP_CONTEXT,
  DSP_PROTOCOL_IDS,
  dataspaceTag,
  dhtProtocol,
  MEMBERS_PROTOCOL,
  TRUST_PROTOCOL,
} from '../../src/protocol/index.js'
import { Store } from '../../src/store/index.js'
import { eventually } from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

interface Member {
  key: NodeKey
  libp2p: AllmendeLibp2p
  admission: PeerAdmission
  dataspace: DataspaceService
  store: Store
  /** Its member directory, without a mesh: the members it admitted or heard of. */
  directory: MemberDirectory
}

/** No peer mesh: a directory knows the members it admitted or heard of, and whom its pulls name. */
const noMesh = { known: async () => [], target: () => undefined, addressesOf: () => [], anchors: () => [] }

async function stopMember(node: Member): Promise<void> {
  await node.directory.stop()
  node.dataspace.stop()
  await node.libp2p.stop()
  await node.store.close()
}

async function startMember(
  key: NodeKey,
  descriptor: DataspaceDescriptor,
  options: AdmissionOptions = {},
): Promise<Member> {
  const log = createSilentLogger()
  const store = await Store.open(join(await tempDir('allmende-stranger-'), 'db'))
  const admission = new PeerAdmission(log, sameDataspacePolicy(descriptor.id), Date.now, options)
  const dataspace = new DataspaceService({
    descriptor,
    key,
    store,
    statusLists: await StatusListIssuer.open({ store, key }),
    log,
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
  const directory = new MemberDirectory(libp2p, admission, noMesh, log)
  await directory.start()
  await libp2p.start()
  libp2p.services.pubsub.subscribe(catalogTopic(descriptor.id))
  // what the mesh does on admission: identify, so DHT and gossip learn the member
  admission.onAdmitted(
    (_peer, connection) => void libp2p.services.identify.identify(connection).catch(() => undefined),
  )
  return { key, libp2p, admission, dataspace, store, directory }
}

/**
 * A stranger that knows everything but a membership: the data space id (so the DHT protocol and the gossip
 * topic), the anchor's address. It runs stock libp2p services without any admission.
 */
async function startStranger(dataspace: string) {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      dht: kadDHT({ protocol: dhtProtocol(dataspace), clientMode: false, peerInfoMapper: passthroughMapper }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
    },
  })
}

async function handshake(stranger: Libp2p, target: Multiaddr, hello: unknown): Promise<unknown> {
  const stream = await stranger.dialProtocol(target, TRUST_PROTOCOL, { signal: AbortSignal.timeout(5_000) })
  const frames = new JsonFrames(stream)
  await frames.write(hello)
  const answer = await frames.read({ signal: AbortSignal.timeout(5_000) })
  stream.abort(new Error('done'))
  return answer
}

describe('a stranger inside libp2p learns nothing and is let go', () => {
  let anchor: Member
  let member: Member
  /** A second member, admitted by the anchor only. */
  let other: Member
  let descriptor: DataspaceDescriptor
  const strangers: Awaited<ReturnType<typeof startStranger>>[] = []

  before(async () => {
    const [keyA, keyB, keyC] = await Promise.all([generateNodeKey(), generateNodeKey(), generateNodeKey()])
    descriptor = await createDescriptor({ title: 'Geheim', anchors: [keyA] })
    anchor = await startMember(keyA, descriptor)
    await anchor.dataspace.endorse(keyB.did)
    await anchor.dataspace.endorse(keyC.did)
    member = await startMember(keyB, descriptor)
    other = await startMember(keyC, descriptor)
    for (const node of [member, other]) {
      await node.libp2p.dial(anchor.libp2p.getMultiaddrs()[0]!)
      await eventually(
        async () => ((await anchor.admission.isAdmitted(node.key.peerId)) ? true : undefined),
        { what: 'the member to be admitted' },
      )
    }
  })

  after(async () => {
    for (const node of strangers) await node.stop()
    for (const node of [member, other, anchor]) await stopMember(node)
  })

  const stranger = async () => {
    const node = await startStranger(descriptor.id)
    strangers.push(node)
    return node
  }

  it('gets no member out of the DHT', async () => {
    const s = await stranger()
    await s.dial(anchor.libp2p.getMultiaddrs()[0]!)
    const found: PeerId[] = []
    try {
      for await (const event of s.services.dht.getClosestPeers(member.key.peerId.toMultihash().bytes, {
        signal: AbortSignal.timeout(4_000),
      })) {
        if (event.name === 'PEER_RESPONSE') found.push(...event.closer.map((p) => p.id))
      }
    } catch {
      // the anchor resets the stream: that is the point
    }
    assert.equal(
      found.some((p) => p.equals(member.key.peerId)),
      false,
      'the anchor told a stranger about its member',
    )
    assert.equal(await s.peerStore.has(member.key.peerId), false)
  })

  it('receives no catalog gossip and cannot publish any', async () => {
    const s = await stranger()
    const topic = catalogTopic(descriptor.id)
    s.services.pubsub.subscribe(topic)
    const received: string[] = []
    s.services.pubsub.addEventListener('message', (event) => {
      received.push(new TextDecoder().decode(event.detail.data))
    })
    const heardAtAnchor: string[] = []
    anchor.libp2p.services.pubsub.addEventListener('message', (event) => {
      heardAtAnchor.push(new TextDecoder().decode(event.detail.data))
    })
    const heardByMember: string[] = []
    member.libp2p.services.pubsub.addEventListener('message', (event) => {
      heardByMember.push(new TextDecoder().decode(event.detail.data))
    })
    let heartbeats = 0
    anchor.libp2p.services.pubsub.addEventListener('gossipsub:heartbeat', () => heartbeats++)
    await eventually(
      async () =>
        anchor.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(member.key.peerId))
          ? true
          : undefined,
      { what: "the member's subscription at the anchor" },
    )
    await s.dial(anchor.libp2p.getMultiaddrs()[0]!)
    for (let i = 0; i < 3; i++) {
      await anchor.libp2p.services.pubsub.publish(topic, new TextEncoder().encode(`members-only ${i}`))
      await s.services.pubsub.publish(topic, new TextEncoder().encode(`forged ${i}`)).catch(() => undefined)
    }
    // The member hears the anchor, and the anchor gossips (IHAVE) on several heartbeats while the stranger
    // is connected: whatever the stranger could get, it would have got by then.
    await eventually(async () => (heardByMember.includes('members-only 2') ? true : undefined), {
      what: "the member to hear the anchor's gossip",
    })
    const from = heartbeats
    await eventually(async () => (heartbeats >= from + 3 ? true : undefined), {
      what: 'three gossip heartbeats of the anchor',
      intervalMs: 50,
    })
    assert.deepEqual(received, [])
    assert.equal(heardAtAnchor.filter((m) => m.startsWith('forged')).length, 0)
    assert.equal(
      anchor.libp2p.services.pubsub.getSubscribers(topic).some((p) => p.equals(s.peerId)),
      false,
    )
  })

  it('is refused the member directory at once, with a reason and no member in it', async () => {
    const s = await stranger()
    const stream = await s.dialProtocol(anchor.libp2p.getMultiaddrs()[0]!, MEMBERS_PROTOCOL, {
      signal: AbortSignal.timeout(5_000),
    })
    const answer = await new JsonFrames(stream).read({ signal: AbortSignal.timeout(5_000) })
    stream.abort(new Error('done'))
    const text = JSON.stringify(answer)
    assert.match(String((answer as { refused?: unknown }).refused), /admitted members only/)
    for (const secret of [member.key.peerId.toString(), other.key.peerId.toString(), descriptor.id]) {
      assert.equal(text.includes(secret), false, `the refusal names ${secret}: ${text}`)
    }
  })

  it("gives an admitted member the anchor's members, never a stranger that knocked", async () => {
    const s = await stranger()
    await s.dial(anchor.libp2p.getMultiaddrs()[0]!).catch(() => undefined)
    assert.equal(await member.directory.pull(anchor.key.peerId), 1)
    const known = member.directory.members().map(String)
    assert.ok(known.includes(other.key.peerId.toString()), 'the other member, admitted by the anchor')
    assert.ok(known.includes(anchor.key.peerId.toString()), 'the anchor, admitted by the member')
    assert.equal(known.includes(s.peerId.toString()), false)
  })

  it('asks again before a refreshed search once the last pull is old enough, naming members admitted since', async () => {
    const log = createSilentLogger()
    const eager = new MemberDirectory(member.libp2p, member.admission, noMesh, log, { searchPullGapMs: 0 })
    const rested = new MemberDirectory(member.libp2p, member.admission, noMesh, log, {
      searchPullGapMs: 60_000,
    })
    await eager.freshen()
    await rested.freshen()
    const knows = (directory: MemberDirectory, node: Member) =>
      directory.members().some((peer) => peer.equals(node.key.peerId))
    assert.ok(knows(eager, other) && knows(rested, other), 'the first freshen pulls')
    const keyD = await generateNodeKey()
    await anchor.dataspace.endorse(keyD.did)
    const late = await startMember(keyD, descriptor)
    try {
      await late.libp2p.dial(anchor.libp2p.getMultiaddrs()[0]!)
      await eventually(
        async () => ((await anchor.admission.isAdmitted(late.key.peerId)) ? true : undefined),
        { what: 'the late member to be admitted' },
      )
      assert.equal(await eager.freshen(), true)
      assert.equal(await rested.freshen(), false, 'within the gap it asks nobody')
      assert.ok(knows(eager, late), 'a pull past the gap names the member admitted since')
      assert.equal(knows(rested, late), false, 'within the gap a refreshed search asks nobody')
    } finally {
      await stopMember(late)
    }
  })

  it('a wrong-space hello reveals nothing of the data space, a right one gets no proof first', async () => {
    const s = await stranger()
    const target = anchor.libp2p.getMultiaddrs()[0]!
    const wrong = JSON.stringify(
      await handshake(s, target, {
        dataspace: 'urn:uuid:00000000-0000-4000-8000-000000000000',
        space: 'ffff',
        nonce: 'n',
      }),
    )
    assert.equal(wrong.includes(descriptor.id), false, `the refusal reveals the id: ${wrong}`)
    assert.equal(wrong.includes('proof'), false)
    // A fresh stranger: the first is refused for a while once it named another space.
    const right = (await handshake(await stranger(), target, {
      dataspace: descriptor.id,
      space: dataspaceTag(descriptor.id),
      nonce: 'n',
    })) as Record<string, unknown>
    assert.equal(right.proof, undefined, 'the node presented its membership before the stranger proved')
    assert.equal(JSON.stringify(right).includes(descriptor.id), false)
  })

  it('closes a connection that does not pass admission within seconds and forgets the peer', async () => {
    const s = await stranger()
    await s.dial(anchor.libp2p.getMultiaddrs()[0]!)
    await eventually(async () => (anchor.libp2p.getConnections(s.peerId).length > 0 ? true : undefined), {
      what: 'the anchor to see the connection',
    })
    await eventually(
      async () =>
        anchor.libp2p.getConnections(s.peerId).length === 0 && !(await anchor.libp2p.peerStore.has(s.peerId))
          ? true
          : undefined,
      { what: 'the anchor to close and forget the silent stranger', timeoutMs: 60_000 },
    )
    assert.equal(await anchor.admission.isAdmitted(s.peerId), false)
  })
})

describe('a member whose handshake with its anchor did not complete', () => {
  let anchor: Member
  let members: Member[]
  let listUrl: string
  /** The anchor's membership checks wait for this, as on a machine too busy to answer in time. */
  const busy = Promise.withResolvers<void>()
  let checks = 0

  before(async () => {
    const [keyA, keyB, keyC] = await Promise.all([generateNodeKey(), generateNodeKey(), generateNodeKey()])
    const descriptor = await createDescriptor({ title: 'Geheim', anchors: [keyA] })
    anchor = await startMember(keyA, descriptor)
    const record = await anchor.dataspace.endorse(keyB.did)
    await anchor.dataspace.endorse(keyC.did)
    listUrl = (record.credential.credentialStatus as { statusListCredential: string }).statusListCredential
    const policy = anchor.dataspace.policy
    anchor.admission.setPolicy({
      dataspace: policy.dataspace,
      proofFor: (nonce) => policy.proofFor(nonce),
      check: async (peer, shown, nonce) => {
        checks++
        await busy.promise
        return policy.check(peer, shown, nonce)
      },
    })
    // A short handshake: the members give up on the busy anchor.
    members = [
      await startMember(keyB, descriptor, { handshakeMs: 2_000 }),
      await startMember(keyC, descriptor, { handshakeMs: 2_000 }),
    ]
  })

  after(async () => {
    busy.resolve()
    for (const node of [...members, anchor]) await stopMember(node)
  })

  it('keeps the address it was given for the anchor, and still fetches a status list from it by PeerId', async () => {
    const [given, found] = members as [Member, Member]
    given.admission.keepAddressesOf((peer) => peer.equals(anchor.key.peerId))
    for (const member of members) await member.libp2p.dial(anchor.libp2p.getMultiaddrs()[0]!)
    await eventually(
      async () =>
        checks >= 2 &&
        members.every((member) => member.libp2p.getConnections(anchor.key.peerId).length === 0) &&
        !(await found.libp2p.peerStore.has(anchor.key.peerId))
          ? true
          : undefined,
      { what: 'both handshakes with the busy anchor to time out' },
    )
    busy.resolve()
    // A peer the node only came across is forgotten; the anchor it was given is dialled by its PeerId.
    const list = await fetchStatusList(given.libp2p, listUrl)
    assert.equal(list.id, listUrl)
    assert.equal(await anchor.admission.isAdmitted(given.key.peerId), true)
  })
})

describe('a stranger opening DSP over libp2p without admission', () => {
  // Admission waits ten minutes here: an answer within the test's bound cannot come from a timeout.
  const patient = { handshakeMs: 10 * 60_000, deadlineMs: 10 * 60_000 }
  const lines: { where?: string; reason?: string; detail?: string; msg?: string }[] = []
  const refusals = new UnauthenticatedRefusals(
    pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)))
          done()
        },
      }),
    ),
  )
  let anchor: Member
  let reached = 0
  let stranger: Awaited<ReturnType<typeof startStranger>>

  before(async () => {
    const key = await generateNodeKey()
    const descriptor = await createDescriptor({ title: 'Geheim', anchors: [key] })
    anchor = await startMember(key, descriptor, { ...patient, refusals })
    const endpoint = new P2pDspEndpoint(anchor.libp2p, anchor.admission, createSilentLogger())
    await endpoint.serve('catalog', async () => {
      reached++
      return {}
    })
    stranger = await startStranger(descriptor.id)
  })

  after(async () => {
    await stranger.stop()
    anchor.dataspace.stop()
    await anchor.libp2p.stop()
    await anchor.store.close()
  })

  it('is answered PEER_NOT_ADMITTED at once, not after the handshake wait, and the refusal is logged', async () => {
    const stream = await stranger.dialProtocol(anchor.libp2p.getMultiaddrs()[0]!, DSP_PROTOCOL_IDS.catalog, {
      signal: AbortSignal.timeout(30_000),
    })
    const frames = new JsonFrames(stream)
    await frames.write({ '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage', filter: [] })
    // Generous for a loaded machine, and still a twentieth of the wait configured above.
    const answer = (await frames.read({ signal: AbortSignal.timeout(30_000) })) as Record<string, unknown>
    assert.equal(answer['@type'], 'CatalogError', JSON.stringify(answer))
    assert.equal(answer.code, 'ALLMENDE_PEER_NOT_ADMITTED', JSON.stringify(answer))
    assert.match(String(answer.reason), /without the admission handshake/)
    assert.equal(reached, 0, 'the handler served a stranger')
    assert.equal(
      anchor.libp2p.getConnections(stranger.peerId).length > 0,
      true,
      'the answer came with the connection closed by a timeout',
    )
    assert.deepEqual(
      refusals.totals().filter((r) => r.where === 'libp2p'),
      [{ where: 'libp2p', reason: 'not-admitted', total: 1 }],
    )
    assert.equal(
      lines.some((line) => line.where === 'libp2p' && line.detail === DSP_PROTOCOL_IDS.catalog),
      true,
      `the refusal was not logged: ${JSON.stringify(lines)}`,
    )
  })

  it('logs a flood of such streams at most once per interval, counting them all', async () => {
    const before = lines.length
    for (let i = 0; i < 20; i++) {
      const stream = await stranger.dialProtocol(
        anchor.libp2p.getMultiaddrs()[0]!,
        DSP_PROTOCOL_IDS.catalog,
        {
          signal: AbortSignal.timeout(30_000),
        },
      )
      const frames = new JsonFrames(stream)
      const answer = (await frames.read({ signal: AbortSignal.timeout(30_000) })) as Record<string, unknown>
      assert.equal(answer.code, 'ALLMENDE_PEER_NOT_ADMITTED')
    }
    assert.equal(refusals.totals().find((r) => r.where === 'libp2p')?.total, 21)
    assert.ok(lines.length - before <= 1, `${lines.length - before} log lines for 20 refusals`)
  })
})
