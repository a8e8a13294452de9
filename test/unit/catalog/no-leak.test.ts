import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  buildDspCatalog,
  buildDspDataset,
  Catalog,
  type CatalogChange,
  FederatedCatalogCache,
  InvalidDatasetError,
  type Requester,
  toDcatApDeJsonLd,
  toDcatApDeTurtle,
} from '../../../src/catalog/index.js'
import {
  checkOffer,
  glanInput,
  HAMBURG,
  INTERNAL_URL,
  ManualClock,
  MEMBER,
  OUTSIDER,
  PROVIDER,
  roleConstraint,
  SECRET,
  tempStore,
} from './fixtures.js'

/** Fragments of the source that must never leave the node: the credential, the internal URL, its shape. */
const FORBIDDEN = [
  SECRET,
  's3cr3t',
  INTERNAL_URL,
  'sensors.intern',
  'Authorization',
  '"source"',
  'datastream',
]

function assertClean(label: string, output: unknown): void {
  const text = typeof output === 'string' ? output : JSON.stringify(output)
  for (const f of FORBIDDEN) assert.ok(!text.includes(f), `${label} contains ${f}`)
}

describe('the source and its credentials never appear in catalog output', () => {
  let close: () => Promise<void>
  let catalog: Catalog
  let cache: FederatedCatalogCache
  let id: string
  const changes: CatalogChange[] = []
  const requesters: Requester[] = [
    { did: MEMBER, isMember: true },
    { did: HAMBURG, isMember: false },
    { did: OUTSIDER, isMember: false },
  ]

  before(async () => {
    const t = await tempStore()
    close = t.dispose
    const clock = new ManualClock()
    catalog = new Catalog(
      { store: t.store, clock },
      { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
    )
    catalog.onChange((c) => changes.push(c))
    cache = new FederatedCatalogCache({ store: t.store, clock, catalog }, { participantId: PROVIDER })
    const offer = glanInput().offers[0]!.offer
    id = (
      await catalog.add(
        glanInput({
          offers: [
            { offer, access: { kind: 'members' } },
            { offer: { ...offer, '@id': 'urn:x:public' }, access: { kind: 'public' } },
            { offer: { ...offer, '@id': 'urn:x:hh' }, access: { kind: 'dids', dids: [HAMBURG] } },
          ],
        }),
      )
    ).dataset.id
    await catalog.update(id, { source: { ...glanInput().source, note: 'rotated' } })
  })
  after(async () => {
    await close()
  })

  it('the stored record keeps the source as given (the transfer needs it)', async () => {
    const record = await catalog.get(id)
    assert.equal((record.source.auth as { headers: { Authorization: string } }).headers.Authorization, SECRET)
  })

  it('requester views, DSP Catalog and Dataset answers, offers', async () => {
    const options = { participantId: PROVIDER, endpointURL: 'https://kusel.example/dsp' }
    for (const r of requesters) {
      const views = await catalog.catalogFor(r)
      assertClean(`views for ${r.did}`, views)
      assertClean(`DSP catalog for ${r.did}`, buildDspCatalog(views, options))
      const view = await catalog.datasetFor(r, id)
      assertClean(`dataset view for ${r.did}`, view)
      assertClean(`DSP dataset for ${r.did}`, buildDspDataset(view, options))
    }
    assertClean('offerFor', await catalog.offerFor({ did: MEMBER, isMember: true }, id, 'urn:x:public'))
  })

  it('DCAT-AP.de JSON-LD and Turtle', async () => {
    const options = {
      catalogIri: 'https://daten.kusel.de/catalog',
      title: 'Kusel',
      description: 'Offene Daten',
      publisher: { name: 'Kreisverwaltung Kusel' },
      accessURL: 'https://daten.kusel.de/',
    }
    const datasets = await catalog.list()
    assertClean('JSON-LD', toDcatApDeJsonLd(datasets, options))
    const turtle = await toDcatApDeTurtle(datasets, options)
    assert.ok(turtle.includes('Pegel Glan Altenglan'), 'the dataset is exported')
    assertClean('Turtle', turtle)
  })

  it('search results and change events', async () => {
    const hits = await cache.search({ q: 'glan' })
    assert.equal(hits.length, 1)
    assertClean('search', hits)
    assertClean('change events', changes)
  })

  it('validation errors do not echo the source', async () => {
    const error = await catalog.add({ ...glanInput(), title: '' }).catch((e: unknown) => e)
    assert.ok(error instanceof InvalidDatasetError)
    assertClean('error message', error.message)
  })
})
