import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { catalogDigest, ifChangedFilter, isUnchangedAnswer } from '../../../src/catalog/catalog-digest.js'
import { type Catalog, DatasetNotFoundError, DspCatalogAnswers } from '../../../src/catalog/index.js'
import {
  createCatalogRequestMessage,
  createDatasetRequestMessage,
  type DspBinding,
} from '../../../src/protocol/index.js'
import { glanInput, HAMBURG, MEMBER, OUTSIDER, PROVIDER, tempCatalog } from './fixtures.js'

/** This node's DSP address on each binding, as the dispatcher names it. */
const addressing = {
  ownAddress: (binding: DspBinding) =>
    binding === 'http' ? 'https://kusel.example/dsp/2025-1' : '/p2p/12D3KooWKusel',
}

describe('DspCatalogAnswers: one catalog answer for both bindings', () => {
  let catalog: Catalog
  let datasetId: string
  let close: () => Promise<void>

  before(async () => {
    const t = await tempCatalog()
    close = t.dispose
    catalog = t.catalog
    datasetId = (await catalog.add(glanInput())).dataset.id
  })
  after(() => close())

  it('names the address of the binding that asked as the endpointURL, the same datasets on each', async () => {
    const member = { did: MEMBER, isMember: true }
    const overP2p = await new DspCatalogAnswers(catalog, PROVIDER, addressing, 'libp2p').catalogFor(member)
    const overHttp = await new DspCatalogAnswers(catalog, PROVIDER, addressing, 'http').catalogFor(member)
    assert.deepEqual(
      overP2p.service.map((s) => s.endpointURL),
      ['/p2p/12D3KooWKusel'],
    )
    assert.deepEqual(
      overHttp.service.map((s) => s.endpointURL),
      ['https://kusel.example/dsp/2025-1'],
    )
    assert.equal(overP2p.participantId, PROVIDER)
    assert.deepEqual(overP2p.dataset, overHttp.dataset)
    assert.deepEqual(
      overP2p.dataset?.map((d) => d['@id']),
      [datasetId],
    )
  })

  it('answers a dataset request with the one dataset and a catalog request with the catalog', async () => {
    const answers = new DspCatalogAnswers(catalog, PROVIDER, addressing, 'libp2p')
    const member = { did: MEMBER, isMember: true }
    const one = await answers.answer(createDatasetRequestMessage({ dataset: datasetId }), member)
    assert.equal(one['@type'], 'Dataset')
    assert.equal(one['@id'], datasetId)
    const all = await answers.answer(createCatalogRequestMessage({}), member)
    assert.equal(all['@type'], 'Catalog')
  })

  it('hides a members-only dataset from an outsider as if it did not exist', async () => {
    const answers = new DspCatalogAnswers(catalog, PROVIDER, addressing, 'http')
    const outsider = { did: OUTSIDER, isMember: false }
    await assert.rejects(answers.datasetFor(outsider, datasetId), DatasetNotFoundError)
    await assert.rejects(answers.datasetFor(outsider, 'urn:uuid:no-such-dataset'), DatasetNotFoundError)
    assert.equal((await answers.catalogFor(outsider)).dataset, undefined)
  })
})

describe('DspCatalogAnswers: an answer built once per catalog change', () => {
  let catalog: Catalog
  let close: () => Promise<void>
  const member = { did: MEMBER, isMember: true }

  before(async () => {
    const t = await tempCatalog()
    close = t.dispose
    catalog = t.catalog
    await catalog.add(glanInput())
  })
  after(() => close())

  const idsOf = (answer: object) =>
    (((answer as { dataset?: unknown }).dataset ?? []) as { '@id': string }[]).map((d) => d['@id']).sort()

  it('says unchanged until the catalog changes, then answers whole with the change', async () => {
    const answers = new DspCatalogAnswers(catalog, PROVIDER, addressing, 'libp2p')
    const first = await answers.answer(createCatalogRequestMessage({}), member)
    const digest = catalogDigest(first)
    const again = await answers.answer(
      createCatalogRequestMessage({ filter: ifChangedFilter(digest) }),
      member,
    )
    assert.ok(isUnchangedAnswer(again, PROVIDER, digest))
    const added = (await catalog.add(glanInput({ title: 'Pegel Lauter Wolfstein' }))).dataset.id
    const changed = await answers.answer(
      createCatalogRequestMessage({ filter: ifChangedFilter(digest) }),
      member,
    )
    assert.ok(!isUnchangedAnswer(changed, PROVIDER, digest))
    assert.ok(idsOf(changed).includes(added))
  })

  it('answers an outsider asking right after a member without the members-only datasets', async () => {
    const answers = new DspCatalogAnswers(catalog, PROVIDER, addressing, 'libp2p')
    assert.ok(idsOf(await answers.answer(createCatalogRequestMessage({}), member)).length > 0)
    const outsider = await answers.answer(createCatalogRequestMessage({}), { did: OUTSIDER, isMember: false })
    assert.deepEqual(idsOf(outsider), [])
  })

  it('builds each requester its own answer while an offer is for named partners', async () => {
    const answers = new DspCatalogAnswers(catalog, PROVIDER, addressing, 'libp2p')
    const partners = glanInput({ title: 'Pegel Hamburg St. Pauli', metadataVisibility: 'offer' })
    const forHamburg = (
      await catalog.add({
        ...partners,
        offers: partners.offers.map((o) => ({ ...o, access: { kind: 'dids' as const, dids: [HAMBURG] } })),
      })
    ).dataset.id
    const hamburg = await answers.answer(createCatalogRequestMessage({}), { did: HAMBURG, isMember: true })
    assert.ok(idsOf(hamburg).includes(forHamburg))
    const other = await answers.answer(createCatalogRequestMessage({}), member)
    assert.ok(!idsOf(other).includes(forHamburg))
  })
})
