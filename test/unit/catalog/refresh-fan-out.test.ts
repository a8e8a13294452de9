import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { CatalogFederation, DspCatalogAnswers, FederatedCatalogCache } from '../../../src/catalog/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { eventually } from '../../support/cli-process.js'
import { HAMBURG, MEMBER, PROVIDER, tempCatalog } from './fixtures.js'

type Temp = Awaited<ReturnType<typeof tempCatalog>>

/** A member the node learns of only when it has freshened what it knows of the members. */
const LATE_MEMBER = HAMBURG

describe('a refreshed search', () => {
  let provider: Temp
  let consumer: Temp

  beforeEach(async () => {
    provider = await tempCatalog()
    consumer = await tempCatalog()
  })

  afterEach(async () => {
    await provider.dispose()
    await consumer.dispose()
  })

  it('asks the providers the node knows while it freshens its members, then those it learnt of', async () => {
    // Both providers answer with the same datasets, each in its own name.
    const answersOf = (did: string) =>
      new DspCatalogAnswers(provider.catalog, did, { ownAddress: () => '/p2p/12D3KooWKusel' }, 'libp2p')
    const asked: string[] = []
    let freshened: (providers: string[]) => void = () => undefined
    const federation = new CatalogFederation({
      catalog: consumer.catalog,
      cache: new FederatedCatalogCache(
        { store: consumer.store, clock: consumer.clock, catalog: consumer.catalog },
        { participantId: MEMBER },
      ),
      log: createSilentLogger(),
      self: MEMBER,
      network: {
        announce: async () => undefined,
        announceSummary: async () => undefined,
        fetchCatalog: async (to) => {
          asked.push(to)
          return answersOf(to).catalogFor({ did: MEMBER, isMember: true })
        },
        fetchDataset: async () => undefined,
        providers: async () => [PROVIDER],
        providersFreshened: () =>
          new Promise((resolve) => {
            freshened = resolve
          }),
        members: () => 2,
      },
    })

    const refresh = federation.refreshAll()
    await eventually(async () => (asked.length > 0 ? true : undefined), {
      intervalMs: 5,
      what: 'the known provider to be asked before the members are freshened',
    })
    assert.deepEqual(asked, [PROVIDER])
    freshened([PROVIDER, LATE_MEMBER])
    const outcome = await refresh
    assert.deepEqual(asked, [PROVIDER, LATE_MEMBER], 'each provider is asked once')
    assert.equal(outcome.providers, 2)
    assert.equal(outcome.answered, 2)
    assert.deepEqual(outcome.pending, [])
  })
})
