import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  type CatalogFederation,
  DspCatalogAnswers,
  type FederatedCatalogCache,
  ifChangedFilter,
} from '../../../src/catalog/index.js'
import { createCatalogRequestMessage } from '../../../src/protocol/index.js'
import { consumerOfOneProvider, glanInput, HAMBURG, MEMBER, PROVIDER, tempCatalog } from './fixtures.js'

type Temp = Awaited<ReturnType<typeof tempCatalog>>
const asMember = { did: MEMBER, isMember: true }

/**
 * A provider and a consumer in one process: the consumer's catalog requests go to the provider's DSP answers as
 * the libp2p binding hands them over (a member asking), and every answer is kept to look at.
 */
describe('catalog requests that name the digest of the answer held', () => {
  let provider: Temp
  let consumer: Temp
  let answers: DspCatalogAnswers
  let cache: FederatedCatalogCache
  let federation: CatalogFederation
  let answered: Record<string, unknown>[]

  beforeEach(async () => {
    provider = await tempCatalog()
    consumer = await tempCatalog()
    answered = []
    answers = new DspCatalogAnswers(
      provider.catalog,
      PROVIDER,
      { ownAddress: () => '/p2p/12D3KooWKusel' },
      'libp2p',
    )
    ;({ cache, federation } = consumerOfOneProvider(
      consumer,
      async (_provider: string, knownDigest?: string) => {
        const filter = knownDigest === undefined ? [] : ifChangedFilter(knownDigest)
        // Through JSON, as over the wire.
        const answer = JSON.parse(
          JSON.stringify(await answers.answer(createCatalogRequestMessage({ filter }), asMember)),
        ) as Record<string, unknown>
        answered.push(answer)
        return answer
      },
    ))
    await provider.catalog.add(glanInput())
    await provider.catalog.add(glanInput({ title: 'Pegel Lauter Wolfstein' }))
  })

  afterEach(async () => {
    await provider.dispose()
    await consumer.dispose()
  })

  const cachedHits = async () => (await federation.search({})).hits.filter((hit) => !hit.local)
  const titles = async () => (await cachedHits()).map((hit) => hit.title).sort()
  const datasetsIn = (answer: Record<string, unknown> | undefined) =>
    Array.isArray(answer?.dataset) ? answer.dataset.length : 0

  it('are answered "unchanged" without datasets while the catalog is as it was, and in full once it changed', async () => {
    assert.equal(await federation.refreshProvider(PROVIDER), 2)
    assert.equal(datasetsIn(answered[0]), 2, 'the first request holds nothing and gets everything')
    assert.equal(await federation.refreshProvider(PROVIDER), 2)
    assert.equal(datasetsIn(answered[1]), 0, 'the second gets the frame alone')
    assert.deepEqual(await titles(), ['Pegel Glan Altenglan', 'Pegel Lauter Wolfstein'])

    await provider.catalog.add(glanInput({ title: 'Pegel Nahe Kirn' }))
    assert.equal(await federation.refreshProvider(PROVIDER), 3)
    assert.equal(datasetsIn(answered[2]), 3)
    assert.deepEqual(await titles(), ['Pegel Glan Altenglan', 'Pegel Lauter Wolfstein', 'Pegel Nahe Kirn'])
    assert.deepEqual(federation.federationCounts(), {
      fromAnnouncements: 0,
      datasetRequests: 0,
      catalogRequests: 2,
      unchangedCatalogs: 1,
    })
  })

  it('ask in full again once something else changed what the cache holds of the provider', async () => {
    await federation.refreshProvider(PROVIDER)
    const [one] = await cachedHits()
    // The provider removed it, and this node heard (the provider's catalog itself is unchanged here).
    await cache.applyAnnouncement({
      provider: PROVIDER,
      datasetId: one!.datasetId,
      version: 99,
      removed: true,
    })
    assert.equal((await titles()).length, 1)
    await federation.refreshProvider(PROVIDER)
    assert.equal(datasetsIn(answered[1]), 2, 'the digest held no longer described the cache')
    assert.equal((await titles()).length, 2)
  })

  it('are answered in full for a digest of another answer, and each requester gets its own digest', async () => {
    const whole = await answers.answer(
      createCatalogRequestMessage({ filter: ifChangedFilter('sha256:other') }),
      asMember,
    )
    assert.equal(datasetsIn(whole as Record<string, unknown>), 2)
    await federation.refreshProvider(PROVIDER)
    // An outsider sees no members-only offer: the member's digest does not describe its answer.
    const held = cache.lastAnswerOf(PROVIDER)!
    const outsider = await answers.answer(
      createCatalogRequestMessage({ filter: ifChangedFilter(held.digest) }),
      { did: HAMBURG, isMember: false },
    )
    const marked = Object.keys(outsider).filter((key) => key.endsWith('#unchanged'))
    assert.deepEqual(marked, [], 'a different answer is not marked unchanged')
  })
})
