import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  Catalog,
  type Dataset,
  DatasetNotFoundError,
  filterCatalogFor,
  type Requester,
} from '../../../src/catalog/index.js'
import {
  checkOffer,
  glanInput,
  HAMBURG,
  ManualClock,
  MEMBER,
  OUTSIDER,
  roleConstraint,
  tempStore,
} from './fixtures.js'

const offer = (n: number) => ({
  '@id': `urn:uuid:00000000-0000-4000-8000-00000000000${n}`,
  '@type': 'Offer',
  permission: [
    { action: 'use', constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: `p${n}` }] },
  ],
})

const member: Requester = { did: MEMBER, isMember: true }
const hamburg: Requester = { did: HAMBURG, isMember: false }
const outsider: Requester = { did: OUTSIDER, isMember: false }
const researcher: Requester = { did: OUTSIDER, isMember: false, attributes: { role: 'research' } }

describe('filterCatalogFor()', () => {
  let close: () => Promise<void>
  let catalog: Catalog
  let traffic: Dataset
  let internal: Dataset
  let membersOnly: Dataset

  beforeEach(async () => {
    const t = await tempStore()
    close = t.dispose
    catalog = new Catalog(
      { store: t.store, clock: new ManualClock() },
      { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
    )
    // Scenario 2/9: Kaiserslautern's traffic data, metadata public, one offer per audience.
    traffic = (
      await catalog.add(
        glanInput({
          title: 'Verkehrsfluss je Fahrspur',
          metadataVisibility: 'public',
          offers: [
            { offer: offer(1), access: { kind: 'public' } },
            { offer: offer(2), access: { kind: 'members' } },
            { offer: offer(3), access: { kind: 'dids', dids: [HAMBURG] } },
            {
              offer: offer(4),
              access: {
                kind: 'constraint',
                constraint: { leftOperand: 'role', operator: 'eq', rightOperand: 'research' },
              },
            },
            // The evaluator throws on this one: it must count as "not visible".
            { offer: offer(5), access: { kind: 'constraint', constraint: { leftOperand: 'unknown' } } },
          ],
        }),
      )
    ).dataset
    internal = (
      await catalog.add(
        glanInput({
          title: 'Interner Datensatz',
          metadataVisibility: 'offer',
          offers: [{ offer: offer(6), access: { kind: 'dids', dids: [HAMBURG] } }],
        }),
      )
    ).dataset
    membersOnly = (
      await catalog.add(
        glanInput({
          title: 'Nur für Mitglieder',
          metadataVisibility: 'members',
          offers: [
            {
              offer: offer(7),
              access: {
                kind: 'constraint',
                constraint: { leftOperand: 'role', operator: 'eq', rightOperand: 'fire' },
              },
            },
          ],
        }),
      )
    ).dataset
  })
  afterEach(async () => {
    await close()
  })

  const seen = (views: { title: string; offers: readonly { '@id': string }[] }[]) =>
    Object.fromEntries(views.map((v) => [v.title, v.offers.map((o) => o['@id'].slice(-1))]))

  it('shows members the members and public offers, and members-visible metadata', async () => {
    assert.deepEqual(seen(await catalog.catalogFor(member)), {
      'Verkehrsfluss je Fahrspur': ['1', '2'],
      'Nur für Mitglieder': [],
    })
  })

  it('shows a non-member the public metadata with only public offers, never members-only offers', async () => {
    assert.deepEqual(seen(await catalog.catalogFor(outsider)), { 'Verkehrsfluss je Fahrspur': ['1'] })
  })

  it('shows a DID-listed non-member its own offer, and a dataset visible only by offer', async () => {
    assert.deepEqual(seen(await catalog.catalogFor(hamburg)), {
      'Verkehrsfluss je Fahrspur': ['1', '3'],
      'Interner Datensatz': ['6'],
    })
  })

  it('shows an offer whose ODRL constraint on the requester holds', async () => {
    assert.deepEqual(seen(await catalog.catalogFor(researcher)), { 'Verkehrsfluss je Fahrspur': ['1', '4'] })
    assert.deepEqual(seen(await catalog.catalogFor({ ...member, attributes: { role: 'fire' } })), {
      'Verkehrsfluss je Fahrspur': ['1', '2'],
      'Nur für Mitglieder': ['7'],
    })
  })

  it('keeps a public-metadata dataset listed when a non-member sees no offer at all', async () => {
    const views = filterCatalogFor(
      outsider,
      [{ ...traffic, offers: traffic.offers.filter((o) => o.access.kind === 'members') }],
      roleConstraint,
    )
    assert.equal(views.length, 1)
    assert.deepEqual(views[0]?.offers, [])
    assert.equal(views[0]?.title, 'Verkehrsfluss je Fahrspur')
  })

  it('gives views without source and without access rules', async () => {
    const [view] = filterCatalogFor(hamburg, [traffic], roleConstraint)
    assert.ok(view !== undefined)
    assert.equal('source' in view, false)
    assert.ok(!JSON.stringify(view).includes('"access"'))
    assert.ok(!JSON.stringify(view).includes('research'), 'constraint of another audience not shown')
  })

  it('datasetFor() answers not found for unknown and invisible datasets alike', async () => {
    assert.equal((await catalog.datasetFor(hamburg, internal.id)).id, internal.id)
    await assert.rejects(catalog.datasetFor(outsider, internal.id), DatasetNotFoundError)
    await assert.rejects(catalog.datasetFor(outsider, membersOnly.id), DatasetNotFoundError)
    await assert.rejects(catalog.datasetFor(member, 'urn:uuid:unknown'), DatasetNotFoundError)
  })
})
