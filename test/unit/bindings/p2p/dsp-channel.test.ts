import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { PeerId } from '@libp2p/interface'
import {
  type AllmendeLibp2p,
  buildLibp2p,
  P2pDspEndpoint,
  PeerAdmission,
} from '../../../../src/bindings/p2p/index.js'
import { JsonFrames } from '../../../../src/bindings/p2p/json-frames.js'
import { sameDataspacePolicy } from '../../../../src/dataspace/index.js'
import { generateNodeKey } from '../../../../src/identity/index.js'
import { createSilentLogger } from '../../../../src/log/index.js'
import {
  createContractNegotiation,
  createContractNegotiationTerminationMessage,
  DSP_CHANNEL_PROTOCOL_IDS,
  DSP_PROTOCOL_IDS,
  type DspMessage,
  InvalidInputError,
  RemoteDspError,
} from '../../../../src/protocol/index.js'
import { eventually } from '../../../support/cli-process.js'

const DATASPACE = 'channel-test'

interface Node {
  peerId: PeerId
  libp2p: AllmendeLibp2p
  endpoint: P2pDspEndpoint
  admission: PeerAdmission
}

async function startNode(): Promise<Node> {
  const key = await generateNodeKey()
  const log = createSilentLogger()
  const admission = new PeerAdmission(log, sameDataspacePolicy(DATASPACE))
  const libp2p = await buildLibp2p({
    privateKey: key.privateKey,
    dataspace: DATASPACE,
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    admission,
  })
  await admission.start(libp2p)
  await libp2p.start()
  return { peerId: key.peerId, libp2p, endpoint: new P2pDspEndpoint(libp2p, admission, log), admission }
}

async function connect(from: Node, to: Node): Promise<void> {
  await from.libp2p.dial(to.libp2p.getMultiaddrs()[0]!)
  await eventually(async () => ((await from.admission.isAdmitted(to.peerId)) ? true : undefined), {
    what: 'the peers to admit each other',
  })
}

function termination(consumerPid: string): DspMessage {
  return createContractNegotiationTerminationMessage({
    providerPid: `urn:uuid:provider-${consumerPid}`,
    consumerPid,
    code: 'TEST',
  }) as unknown as DspMessage
}

/** Streams one node has open to another on a protocol. */
function streamsOn(node: Node, peer: PeerId, protocol: string): number {
  return node.libp2p
    .getConnections(peer)
    .flatMap((connection) => connection.streams)
    .filter((stream) => stream.protocol === protocol).length
}

describe('DSP channels over libp2p', () => {
  const nodes: Node[] = []
  let provider: Node
  let consumer: Node
  const seen: string[] = []

  before(async () => {
    provider = await startNode()
    consumer = await startNode()
    nodes.push(provider, consumer)
    await provider.endpoint.serve('negotiation', async (message, caller) => {
      const { consumerPid, providerPid } = message as { consumerPid: string; providerPid: string }
      if (consumerPid.endsWith('refuse')) throw new InvalidInputError('this one is refused')
      seen.push(`${caller.did} ${consumerPid}`)
      return createContractNegotiation({ consumerPid, providerPid, state: 'TERMINATED' })
    })
    await connect(consumer, provider)
  })

  after(async () => {
    for (const node of nodes) await node.libp2p.stop()
  })

  it('answers many concurrent requests, each with its own answer, over one stream', async () => {
    const pids = Array.from({ length: 60 }, (_, i) => `urn:uuid:concurrent-${i}`)
    const answers = await Promise.all(
      pids.map((pid) => consumer.endpoint.request(provider.peerId, 'negotiation', termination(pid))),
    )
    assert.deepEqual(
      answers.map((a) => (a as { consumerPid?: string }).consumerPid),
      pids,
    )
    assert.equal(streamsOn(consumer, provider.peerId, DSP_CHANNEL_PROTOCOL_IDS.negotiation), 1)
    assert.equal(streamsOn(consumer, provider.peerId, DSP_PROTOCOL_IDS.negotiation), 0)
    assert.equal(seen.filter((s) => s.includes('concurrent')).length, 60)
  })

  it('passes a refusal back as the remote error and keeps the channel for the next request', async () => {
    await assert.rejects(
      consumer.endpoint.request(provider.peerId, 'negotiation', termination('urn:uuid:refuse')),
      (error: unknown) => error instanceof RemoteDspError && /this one is refused/.test(error.message),
    )
    const answer = await consumer.endpoint.request(
      provider.peerId,
      'negotiation',
      termination('urn:uuid:after'),
    )
    assert.equal((answer as { consumerPid?: string }).consumerPid, 'urn:uuid:after')
    assert.equal(streamsOn(consumer, provider.peerId, DSP_CHANNEL_PROTOCOL_IDS.negotiation), 1)
  })

  it('ends a channel whose frames are not requests, and serves the next channel', async () => {
    const stream = await consumer.libp2p.dialProtocol(provider.peerId, DSP_CHANNEL_PROTOCOL_IDS.negotiation)
    const frames = new JsonFrames(stream)
    await frames.write({ id: 'not a number', message: termination('urn:uuid:hostile') })
    await assert.rejects(frames.read())
    assert.equal(
      seen.some((s) => s.includes('hostile')),
      false,
    )
    const answer = await consumer.endpoint.request(
      provider.peerId,
      'negotiation',
      termination('urn:uuid:next'),
    )
    assert.equal((answer as { consumerPid?: string }).consumerPid, 'urn:uuid:next')
  })

  it('asks a peer that speaks no channels with one stream per request', async () => {
    const older = await startNode()
    nodes.push(older)
    // An older node: the one-stream-per-request protocol only.
    await older.libp2p.handle(DSP_PROTOCOL_IDS.negotiation, async (stream) => {
      const frames = new JsonFrames(stream)
      const { consumerPid, providerPid } = (await frames.read()) as {
        consumerPid: string
        providerPid: string
      }
      await frames.write(createContractNegotiation({ consumerPid, providerPid, state: 'TERMINATED' }))
      await stream.close()
    })
    await connect(consumer, older)
    for (const pid of ['urn:uuid:old-1', 'urn:uuid:old-2']) {
      const answer = await consumer.endpoint.request(older.peerId, 'negotiation', termination(pid))
      assert.equal((answer as { consumerPid?: string }).consumerPid, pid)
    }
  })
})
