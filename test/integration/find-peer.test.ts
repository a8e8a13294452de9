import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Startable } from '@libp2p/interface'
import type { Connector } from '../../src/connector.js'
import { generateNodeKey, peerIdFromDidKey } from '../../src/identity/index.js'
import { eventually } from '../support/cli-process.js'
import { type Cluster, consumerApartFromProvider } from '../support/cluster.js'

interface ProcessView {
  id: string
  state: string
  history: { state: string; code?: string; reason?: string }[]
}

/**
 * A member reached by its DID alone. Every node keeps one peer of its own (two connections); the consumer has
 * its mesh before the provider joins, and the provider dials its bootstrap peer, so the two never connect. In a
 * data space of four the DHT's answers name every member to every other; in one of a hundred they name the
 * twenty closest to a key, and a node's anchor knows only the members that keep it. So the consumer (run in the
 * test's process) stops its DHT before the provider joins: nothing gives it the provider's address but the
 * request's own lookup.
 */
describe('a request to a member this node was never connected to', () => {
  let cluster: Cluster
  let consumer: Connector

  before(async () => {
    ;({ cluster, consumer } = await consumerApartFromProvider('allmende-find-peer-', async (embedded) => {
      // The DHT service is a Startable (libp2p starts and stops it); its type names only its queries.
      await (embedded.network.services.dht as unknown as Startable).stop()
    }))
  })

  after(async () => {
    await cluster?.close()
  })

  it('finds the member and concludes a contract with it', async () => {
    const dataset = await cluster.publish('provider', 'Friedhofsflächen', 'a,b\n1,2\n', {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Offer',
      uid: 'urn:allmende:offer:find-peer',
      permission: [{ action: 'use' }],
    })
    // As in a data space at work, the consumer knows the dataset from the provider's announcement.
    await eventually(
      async () => {
        const { body: found } = await cluster.api<{ datasets: { provider: string }[] }>(
          'consumer',
          'GET',
          '/api/v1/catalog?q=Friedhofsfl%C3%A4chen',
        )
        return found.datasets.some((hit) => hit.provider === cluster.did('provider')) ? true : undefined
      },
      { what: "the provider's dataset in the consumer's catalog cache", timeoutMs: 60_000 },
    )
    // Whatever brought the two together meanwhile (a catalog request after the provider's summary, say), the
    // request starts with no connection to the provider and no address of it.
    const provider = peerIdFromDidKey(cluster.did('provider'))
    await consumer.network.hangUp(provider)
    await consumer.network.peerStore.delete(provider)
    assert.equal(consumer.network.getConnections(provider).length, 0)
    assert.equal(await consumer.network.peerStore.has(provider), false)
    const requested = await cluster.api<ProcessView>('consumer', 'POST', '/api/v1/negotiations', {
      provider: cluster.did('provider'),
      dataset,
    })
    assert.ok(requested.status === 200 || requested.status === 201, JSON.stringify(requested.body))
    const ended = await eventually(
      async () => {
        const { body: current } = await cluster.api<ProcessView>(
          'consumer',
          'GET',
          `/api/v1/negotiations/${encodeURIComponent(requested.body.id)}`,
        )
        return current.state === 'FINALIZED' || current.state === 'TERMINATED' ? current : undefined
      },
      { what: 'the negotiation with the provider to end', timeoutMs: 120_000 },
    )
    assert.equal(ended.state, 'FINALIZED', JSON.stringify(ended.history))
    assert.deepEqual(cluster.serverErrors, [])
  })

  it('says so when no peer knows a member', async () => {
    const stranger = (await generateNodeKey()).did
    const { status, body } = await cluster.api<{ error: { code: string; message: string } }>(
      'consumer',
      'POST',
      '/api/v1/negotiations',
      { provider: stranger, dataset: 'urn:allmende:dataset:nowhere' },
    )
    assert.equal(status, 502, JSON.stringify(body))
    assert.equal(body.error.code, 'ALLMENDE_PEER_UNREACHABLE')
    assert.match(
      body.error.message,
      new RegExp(`no address is known for ${stranger}: .* none of the \\d+ peers it asked`),
    )
  })
})
