import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Catalog } from '../../../src/catalog/index.js'
import { providedFactsOf } from '../../../src/contract/index.js'
import { glanInput, tempCatalog } from '../catalog/fixtures.js'

const FLOOD_ALERT = 'https://w3id.org/allmende/odrl#FloodAlert'
const PSEUDONYMISED = 'https://w3id.org/allmende/odrl#Pseudonymised'

describe('providedFactsOf: what the provider states, for negotiations and uses alike', () => {
  let catalog: Catalog
  let close: () => Promise<void>

  before(async () => {
    const t = await tempCatalog()
    close = t.dispose
    catalog = t.catalog
  })
  after(() => close())

  it("states the events in force and the dataset's artifact state", async () => {
    const { dataset } = await catalog.add(glanInput({ artifactState: [PSEUDONYMISED] }))
    const facts = providedFactsOf(catalog, [FLOOD_ALERT])
    assert.deepEqual(await facts(dataset.id), { events: [FLOOD_ALERT], artifactState: [PSEUDONYMISED] })
  })

  it('states nothing the operator did not set', async () => {
    const { dataset } = await catalog.add(glanInput({ title: 'Pegel Lauter Wolfstein' }))
    assert.deepEqual(await providedFactsOf(catalog, undefined)(dataset.id), {})
  })

  it('reads the dataset afresh: a changed artifact state counts from the next question', async () => {
    const { dataset } = await catalog.add(glanInput({ title: 'Pegel Kuselbach' }))
    const facts = providedFactsOf(catalog, undefined)
    assert.deepEqual(await facts(dataset.id), {})
    await catalog.update(dataset.id, { artifactState: [PSEUDONYMISED] })
    assert.deepEqual(await facts(dataset.id), { artifactState: [PSEUDONYMISED] })
  })
})
