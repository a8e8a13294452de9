import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Connector } from '../../src/connector.js'
import { peerIdFromDidKey } from '../../src/identity/index.js'
import { DSP_PROTOCOL_IDS } from '../../src/protocol/index.js'
import { eventually } from '../support/cli-process.js'
import { type Cluster, consumerApartFromProvider } from '../support/cluster.js'

interface SearchAnswer {
  datasets: { provider: string }[]
  refresh?: { providers: number; answered: number; failed: number; pending: string[] }
}

/**
 * A member with all the peers it wants (two connections, one peer of its own besides its anchor) asks a
 * provider outside its mesh. The connection it dials for that serves the request alone: no identify, so
 * neither its gossip nor its DHT takes the provider in, and it is closed once the answer is in, not kept until
 * the limit trims it. A refreshed search of a hundred providers left a hundred such connections open before.
 * The admission hello says so, and the provider does not take the consumer in either: before, it identified,
 * pinged and remembered every member that asked it something.
 */
describe('a connection a request dials while the mesh has its peers', () => {
  let cluster: Cluster
  let consumer: Connector

  before(async () => {
    ;({ cluster, consumer } = await consumerApartFromProvider('allmende-request-connections-'))
  })

  after(async () => {
    await cluster?.close()
  })

  /** The consumer's refreshed search for the provider's dataset, once it names the provider. */
  const refreshedSearch = () =>
    eventually(
      async () => {
        const { body } = await cluster.api<SearchAnswer>(
          'consumer',
          'GET',
          '/api/v1/catalog?q=Baumkataster&refresh=true&wait=60000',
        )
        return body.datasets.some((hit) => hit.provider === cluster.did('provider')) ? body : undefined
      },
      { what: "the provider's dataset in the consumer's refreshed search", timeoutMs: 60_000 },
    )

  it('is closed once the answer is in, and its peer is not identified', async () => {
    await cluster.publish('provider', 'Baumkataster', 'a,b\n1,2\n', {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Offer',
      uid: 'urn:allmende:offer:request-connections',
      permission: [{ action: 'use' }],
    })
    const provider = peerIdFromDidKey(cluster.did('provider'))
    const first = await refreshedSearch()
    assert.equal(first.refresh?.failed, 0, JSON.stringify(first.refresh))
    await eventually(
      async () => (consumer.network.getConnections(provider).length === 0 ? true : undefined),
      { what: 'the connection to the provider closed after the search', timeoutMs: 5_000 },
    )
    // Identify's answer lists every protocol the provider serves; the consumer knows only those of its own
    // streams and of the provider's.
    const stored = await consumer.network.peerStore.get(provider)
    assert.ok(stored.protocols.includes(DSP_PROTOCOL_IDS.catalog), 'the catalog request went to the provider')
    assert.ok(
      !stored.protocols.includes(DSP_PROTOCOL_IDS.transfer),
      'the consumer did not identify the provider',
    )
    // The hello told the provider: it neither identified nor remembered the consumer as a peer of its own.
    const { body } = await cluster.api<{ peers: { did: string }[] }>('provider', 'GET', '/api/v1/peers')
    assert.ok(
      !body.peers.some((peer) => peer.did === cluster.did('consumer')),
      `the provider remembered the consumer: ${JSON.stringify(body.peers)}`,
    )
  })

  it('is dialled again for the next request, with a handshake of its own', async () => {
    for (let round = 0; round < 3; round++) {
      const { refresh } = await refreshedSearch()
      assert.equal(refresh?.failed, 0, JSON.stringify(refresh))
    }
  })
})
