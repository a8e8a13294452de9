import '../../src/polyfills.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  P2pCatalogNetwork,
  P2pDspEndpoint,
  PeerAdmission,
} from '../../src/bindings/p2p/index.js'
import type { CatalogAnnouncement } from '../../src/catalog/index.js'
import { sameDataspacePolicy } from '../../src/dataspace/index.js'
import { generateNodeKey, type NodeKey } from '../../src/identity/index.js'
import { createSilentLogger } from '../../src/log/index.js'
import { catalogTopic } from '../../src/protocol/index.js'
import { eventually } from '../support/cli-process.js'

const SPACE = 'urn:allmende:dataspace:gossip-test'
const TOPIC = catalogTopic(SPACE)

interface Member {
  readonly key: NodeKey
  readonly libp2p: AllmendeLibp2p
  readonly admission: PeerAdmission
  /** What its catalog network handed on, in order. */
  readonly heard: CatalogAnnouncement[]
}

/** A member of an open data space with the real libp2p stack, admission and catalog network. */
async function startMember(): Promise<Member> {
  const key = await generateNodeKey()
  const log = createSilentLogger()
  const admission = new PeerAdmission(log, sameDataspacePolicy(SPACE))
  const libp2p = await buildLibp2p({
    privateKey: key.privateKey,
    dataspace: SPACE,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    admission,
  })
  await admission.start(libp2p)
  await libp2p.start()
  // what the mesh does on admission: identify, so gossipsub learns the member
  admission.onAdmitted(
    (_peer, connection) => void libp2p.services.identify.identify(connection).catch(() => undefined),
  )
  const heard: CatalogAnnouncement[] = []
  const network = new P2pCatalogNetwork(
    libp2p,
    new P2pDspEndpoint(libp2p, admission, log),
    admission,
    log,
    SPACE,
  )
  network.listen({
    announcement: async (announcement) => {
      heard.push(announcement)
    },
    summary: async () => undefined,
    metPeer: () => undefined,
  })
  return { key, libp2p, admission, heard }
}

/** Publishes a message on the catalog topic as it stands (a modified node can write anything). */
async function publishRaw(member: Member, message: object): Promise<void> {
  await member.libp2p.services.pubsub.publish(TOPIC, new TextEncoder().encode(JSON.stringify(message)))
}

/** A dataset as a DSP answer shows it, as an announcement would carry it. */
function carried(id: string): Record<string, unknown> {
  return {
    '@context': ['https://w3id.org/dspace/2025/1/context.jsonld'],
    '@id': id,
    '@type': 'Dataset',
    'dct:title': 'Pegel Glan',
    'dcat:version': '1',
    hasPolicy: [{ '@id': `${id}:offer`, '@type': 'Offer', permission: [{ action: 'use' }] }],
    distribution: [{ '@type': 'Distribution', format: 'HttpData-PULL', accessService: 'urn:x' }],
  }
}

const heardOf = (member: Member, datasetId: string) => member.heard.find((a) => a.datasetId === datasetId)

describe('catalog gossip: a carried dataset is taken only from its own provider, handed on by members', () => {
  // receiver — relay — forger: the receiver and the forger have no connection of their own.
  let receiver: Member
  let relay: Member
  let forger: Member

  before(async () => {
    ;[receiver, relay, forger] = await Promise.all([startMember(), startMember(), startMember()])
    await receiver.libp2p.dial(relay.libp2p.getMultiaddrs()[0]!)
    await forger.libp2p.dial(relay.libp2p.getMultiaddrs()[0]!)
    await eventually(
      async () => {
        const topicPeers = (m: Member) => m.libp2p.services.pubsub.getSubscribers(TOPIC).map(String)
        const linked =
          topicPeers(receiver).includes(relay.key.peerId.toString()) &&
          topicPeers(forger).includes(relay.key.peerId.toString()) &&
          topicPeers(relay).length === 2
        return linked ? true : undefined
      },
      { what: 'the gossip topic linking receiver — relay — forger', timeoutMs: 60_000 },
    )
  })

  after(async () => {
    await Promise.all([receiver, relay, forger].map((m) => m?.libp2p.stop()))
  })

  it('hands on a member’s own announcement with the dataset it carries, through a relay', async () => {
    await publishRaw(forger, {
      provider: forger.key.did,
      datasetId: 'urn:uuid:own',
      version: 1,
      dataset: carried('urn:uuid:own'),
    })
    const heard = await eventually(async () => heardOf(receiver, 'urn:uuid:own'), {
      what: "the forger's own announcement at the receiver",
    })
    assert.equal(heard.provider, forger.key.did)
    assert.deepEqual(heard.dataset, carried('urn:uuid:own'))
  })

  it('drops an announcement that claims another provider than its signer', async () => {
    await publishRaw(forger, {
      provider: relay.key.did,
      datasetId: 'urn:uuid:forged',
      version: 7,
      dataset: carried('urn:uuid:forged'),
    })
    // The forger's next message travels the same way after it: once it arrived, the forged one had its turn.
    await publishRaw(forger, { provider: forger.key.did, datasetId: 'urn:uuid:after-forged', version: 1 })
    await eventually(async () => heardOf(receiver, 'urn:uuid:after-forged'), {
      what: "the forger's next announcement at the receiver",
    })
    assert.equal(heardOf(receiver, 'urn:uuid:forged'), undefined)
    assert.equal(heardOf(relay, 'urn:uuid:forged'), undefined)
  })

  it('drops what a provider this node refused publishes, even handed on by an admitted member', async () => {
    await receiver.admission.deny(forger.key.peerId, 'its membership was revoked (test)', 60_000)
    await publishRaw(forger, {
      provider: forger.key.did,
      datasetId: 'urn:uuid:refused',
      version: 1,
      dataset: carried('urn:uuid:refused'),
    })
    await eventually(async () => heardOf(relay, 'urn:uuid:refused'), {
      what: "the refused provider's announcement at the relay",
    })
    // The relay handed the announcement on before publishing its own.
    await publishRaw(relay, { provider: relay.key.did, datasetId: 'urn:uuid:after-refused', version: 1 })
    await eventually(async () => heardOf(receiver, 'urn:uuid:after-refused'), {
      what: "the relay's announcement at the receiver",
    })
    assert.equal(heardOf(receiver, 'urn:uuid:refused'), undefined)
  })
})
