import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Startable } from '@libp2p/interface'
import { systemClock } from '../../src/lifecycle/index.js'
import { eventually } from '../support/cli-process.js'
import { Cluster } from '../support/cluster.js'

interface SearchAnswer {
  datasets: { provider: string }[]
  refresh?: { providers: number; answered: number; pending: string[] }
}

const PROVIDERS = ['b', 'c', 'd']

/**
 * A member that joins after the others learns of them from the member directory of a peer. Every node keeps
 * one peer besides its anchor (`--max-connections 2`), and the newcomer (run in the test's process) stops its
 * DHT and leaves the catalog topic as it starts: neither the DHT's answers nor the providers' summaries (their
 * repeats, their presence) name the others to it, so only its peers' member directories can.
 */
describe('a member that joins after the others', () => {
  let cluster: Cluster

  before(async () => {
    // 'absent' is endorsed but never runs: only the anchor's register names it.
    cluster = await Cluster.create(
      ['anchor', ...PROVIDERS, 'late', 'absent'],
      'allmende-member-directory-',
      ['--max-connections', '2'],
      ['anchor', ...PROVIDERS],
    )
    for (const name of PROVIDERS) {
      await cluster.publish(name, `Spielplätze ${name}`, 'a,b\n1,2\n', {
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@type': 'Offer',
        uid: `urn:allmende:offer:directory-${name}`,
        permission: [{ action: 'use' }],
      })
    }
    // The anchor admitted every provider (each keeps it): its directory names them all.
    await eventually(
      async () => {
        const { body } = await cluster.api<{ peers: { did: string | null; admitted: boolean }[] }>(
          'anchor',
          'GET',
          '/api/v1/peers',
        )
        const admitted = new Set(body.peers.filter((p) => p.admitted).map((p) => p.did))
        return PROVIDERS.every((name) => admitted.has(cluster.did(name))) ? true : undefined
      },
      { what: 'the anchor to admit every provider' },
    )
    const late = await cluster.startEmbedded('late', systemClock)
    // The DHT service is a Startable (libp2p starts and stops it); its type names only its queries.
    await (late.network.services.dht as unknown as Startable).stop()
    const pubsub = late.network.services.pubsub
    for (const topic of pubsub.getTopics().filter((t) => t.endsWith('/catalog/1.0.0')))
      pubsub.unsubscribe(topic)
  })

  after(async () => {
    await cluster?.close()
  })

  it('names and asks every provider in a refreshed search', async () => {
    const found = await eventually(
      async () => {
        const { body } = await cluster.api<SearchAnswer>(
          'late',
          'GET',
          '/api/v1/catalog?q=Spielpl%C3%A4tze&refresh=true&wait=30000',
        )
        const providers = new Set(body.datasets.map((hit) => hit.provider))
        return PROVIDERS.every((name) => providers.has(cluster.did(name))) ? body : undefined
      },
      { what: "every provider's dataset in the newcomer's refreshed search", timeoutMs: 120_000 },
    )
    // the providers, the anchor, and the member the anchor endorsed that never met anybody: asked, it fails
    assert.ok((found.refresh?.providers ?? 0) >= PROVIDERS.length + 2, JSON.stringify(found.refresh))
    assert.ok(
      (found.refresh?.answered ?? 0) <= (found.refresh?.providers ?? 0) - 1,
      JSON.stringify(found.refresh),
    )
    assert.deepEqual(cluster.serverErrors, [])
  })
})
