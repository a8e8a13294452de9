import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  type CatalogAnnouncement,
  CatalogFederation,
  DspCatalogAnswers,
  FederatedCatalogCache,
} from '../../../src/catalog/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { eventually } from '../../support/cli-process.js'
import { glanInput, HAMBURG, MEMBER, PROVIDER, SECRET, tempCatalog } from './fixtures.js'

type Temp = Awaited<ReturnType<typeof tempCatalog>>

/**
 * A provider and a consumer in one process: the consumer's network hands each request to the provider's DSP
 * answers as the libp2p binding would (a member asking), and counts the requests; what the provider announces
 * is kept.
 */
class Pair {
  provider!: Temp
  consumer!: Temp
  answers!: DspCatalogAnswers
  announced: CatalogAnnouncement[] = []
  datasetRequests = 0
  providerFederation!: CatalogFederation
  consumerFederation!: CatalogFederation
  cache!: FederatedCatalogCache

  async start(): Promise<void> {
    this.announced = []
    this.datasetRequests = 0
    this.provider = await tempCatalog()
    this.consumer = await tempCatalog()
    this.answers = new DspCatalogAnswers(
      this.provider.catalog,
      PROVIDER,
      { ownAddress: () => '/p2p/12D3KooWKusel' },
      'libp2p',
    )
    const asMember = { did: MEMBER, isMember: true }
    this.providerFederation = new CatalogFederation({
      catalog: this.provider.catalog,
      cache: new FederatedCatalogCache(
        { store: this.provider.store, clock: this.provider.clock, catalog: this.provider.catalog },
        { participantId: PROVIDER },
      ),
      log: createSilentLogger(),
      self: PROVIDER,
      sharedDataset: (id) => this.answers.sharedDataset(id),
      network: {
        announce: async (announcement) => {
          this.announced.push(announcement)
        },
        announceSummary: async () => undefined,
        fetchCatalog: async () => undefined,
        fetchDataset: async () => undefined,
        providers: async () => [],
        members: () => 1,
      },
    })
    this.cache = new FederatedCatalogCache(
      { store: this.consumer.store, clock: this.consumer.clock, catalog: this.consumer.catalog },
      { participantId: MEMBER },
    )
    this.consumerFederation = new CatalogFederation(
      {
        catalog: this.consumer.catalog,
        cache: this.cache,
        log: createSilentLogger(),
        self: MEMBER,
        network: {
          announce: async () => undefined,
          announceSummary: async () => undefined,
          fetchCatalog: async () => this.answers.catalogFor(asMember),
          fetchDataset: async (_provider, id) => {
            this.datasetRequests++
            return this.answers.datasetFor(asMember, id)
          },
          providers: async () => [PROVIDER],
          members: () => 1,
        },
      },
      { fetchJitterMs: 0 },
    )
    this.providerFederation.start()
  }

  async stop(): Promise<void> {
    this.providerFederation.stop()
    await this.provider.dispose()
    await this.consumer.dispose()
  }

  /** The first announcement that `matches`, once the provider has made it (it reads the stored dataset first). */
  announcement(matches: (a: CatalogAnnouncement) => boolean): Promise<CatalogAnnouncement> {
    return eventually(async () => this.announced.find(matches), { intervalMs: 5, what: 'the announcement' })
  }

  announcementOf(datasetId: string): Promise<CatalogAnnouncement> {
    return this.announcement((a) => a.datasetId === datasetId)
  }
}

describe('announcements that carry the changed dataset', () => {
  const pair = new Pair()
  beforeEach(() => pair.start())
  afterEach(() => pair.stop())

  it('carry a dataset every member sees alike, and the consumer caches it without asking', async () => {
    const { dataset } = await pair.provider.catalog.add(glanInput())
    const announcement = await pair.announcementOf(dataset.id)
    assert.ok(announcement.dataset !== undefined, 'the announcement carries the dataset')
    assert.equal(JSON.stringify(announcement.dataset).includes(SECRET), false, 'no source leaves the node')

    await pair.consumerFederation.onAnnouncement(announcement)
    assert.equal(pair.datasetRequests, 0)
    const cached = await pair.cache.get(PROVIDER, dataset.id)
    assert.equal(cached?.title, 'Pegel Glan Altenglan')
    assert.equal(cached?.version, 1)
    assert.deepEqual(pair.consumerFederation.federationCounts(), {
      fromAnnouncements: 1,
      datasetRequests: 0,
      catalogRequests: 0,
      unchangedCatalogs: 0,
    })
  })

  it('carry nothing when members see the dataset differently: an offer for named partners', async () => {
    const input = glanInput()
    const { dataset } = await pair.provider.catalog.add({
      ...input,
      offers: [...input.offers, { ...input.offers[0]!, access: { kind: 'dids', dids: [HAMBURG] } }].map(
        (o, i) => ({ ...o, offer: { ...o.offer, '@id': `urn:uuid:offer-${i}` } }),
      ),
    })
    const announcement = await pair.announcementOf(dataset.id)
    assert.equal(announcement.dataset, undefined)
    // The consumer asks, and sees what the provider shows it.
    await pair.consumerFederation.onAnnouncement(announcement)
    assert.equal(pair.datasetRequests, 1)
    assert.equal((await pair.cache.get(PROVIDER, dataset.id))?.title, 'Pegel Glan Altenglan')
  })

  it('asks the provider when the carried dataset is not the announced one or breaks the DSP schema', async () => {
    const { dataset } = await pair.provider.catalog.add(glanInput())
    const announcement = await pair.announcementOf(dataset.id)
    const carried = announcement.dataset as Record<string, unknown>
    const wrong: [string, unknown][] = [
      ['another dataset', { ...carried, '@id': 'urn:uuid:someone-else' }],
      ['an older version', { ...carried, 'dcat:version': '0' }],
      ['no offer', { ...carried, hasPolicy: [] }],
    ]
    for (const [what, forged] of wrong) {
      await pair.cache.forgetProvider(PROVIDER)
      const before = pair.datasetRequests
      await pair.consumerFederation.onAnnouncement({ ...announcement, dataset: forged })
      assert.equal(pair.datasetRequests, before + 1, `${what}: the provider is asked`)
      const cached = await pair.cache.get(PROVIDER, dataset.id)
      assert.equal(cached?.datasetId, dataset.id, what)
      assert.equal(cached?.version, 1, what)
    }
    assert.equal(pair.consumerFederation.federationCounts().fromAnnouncements, 0)
  })

  it('carry no removal: a removed dataset leaves the cache without a request', async () => {
    const { dataset } = await pair.provider.catalog.add(glanInput())
    await pair.consumerFederation.onAnnouncement(await pair.announcementOf(dataset.id))
    await pair.provider.catalog.remove(dataset.id)
    const removal = await pair.announcement((a) => a.removed === true)
    assert.equal(removal.dataset, undefined)
    await pair.consumerFederation.onAnnouncement(removal)
    assert.equal(await pair.cache.get(PROVIDER, dataset.id), undefined)
    assert.equal(pair.datasetRequests, 0)
  })
})
