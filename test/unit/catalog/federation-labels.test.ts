import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { buildDspCatalog, type CatalogFederation } from '../../../src/catalog/index.js'
import { consumerOfOneProvider, glanInput, MEMBER, PROVIDER, tempCatalog } from './fixtures.js'

describe("CatalogFederation.labels: the federated catalog's names for the terms in words", () => {
  let federation: CatalogFederation
  const disposers: (() => Promise<void>)[] = []

  before(async () => {
    const provider = await tempCatalog()
    const consumer = await tempCatalog()
    disposers.push(provider.dispose, consumer.dispose)
    await provider.catalog.add(glanInput())
    const answer = buildDspCatalog(await provider.catalog.catalogFor({ did: MEMBER, isMember: true }), {
      participantId: PROVIDER,
      endpointURL: '/p2p/12D3KooWKusel',
    })
    // The network as the libp2p binding answers it: one provider, its catalog as it shows it to us.
    ;({ federation } = consumerOfOneProvider(consumer, async () => answer))
    await federation.refreshProvider(PROVIDER)
  })
  after(async () => {
    for (const dispose of disposers) await dispose()
  })

  it("names each dataset by its title and each provider by its publisher's name", async () => {
    const labels = await federation.labels()
    assert.equal(labels[PROVIDER], 'Kreisverwaltung Kusel')
    assert.deepEqual(Object.values(labels).sort(), ['Kreisverwaltung Kusel', 'Pegel Glan Altenglan'])
  })
})
