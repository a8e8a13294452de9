import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  buildDspCatalog,
  buildDspDataset,
  Catalog,
  FederatedCatalogCache,
  foldText,
  InvalidCatalogError,
} from '../../../src/catalog/index.js'
import type { Store } from '../../../src/store/index.js'
import {
  checkOffer,
  glanInput,
  ManualClock,
  MEMBER,
  PROVIDER,
  roleConstraint,
  tempStore,
} from './fixtures.js'

/** Kaiserslautern, the remote provider in these tests. */
const KL = 'did:web:connector.kaiserslautern.de'
const ME = MEMBER

describe('FederatedCatalogCache', () => {
  let disposers: (() => Promise<void>)[]
  let clock: ManualClock
  let remote: Catalog
  let local: Catalog
  let cache: FederatedCatalogCache
  let store: Store

  const newCatalog = (s: Store) =>
    new Catalog({ store: s, clock }, { validateOffer: checkOffer, evaluateConstraint: roleConstraint })
  const remoteAnswer = async () =>
    buildDspCatalog(await remote.catalogFor({ did: ME, isMember: true }), {
      participantId: KL,
      endpointURL: 'https://connector.kaiserslautern.de/dsp/2025-1',
    })

  beforeEach(async () => {
    clock = new ManualClock()
    const a = await tempStore()
    const b = await tempStore()
    disposers = [a.dispose, b.dispose]
    store = b.store
    remote = newCatalog(a.store)
    local = newCatalog(b.store)
    cache = new FederatedCatalogCache({ store: b.store, clock, catalog: local }, { participantId: ME })
    await remote.add(
      glanInput({
        title: 'Verkehrsstärke Pfaffplatz',
        description: 'Fahrzeuge je Fahrspur und Viertelstunde an der Kreuzung Pfaffplatz.',
        keyword: ['Verkehr', 'Straße'],
        theme: ['TRAN'],
        publisher: { name: 'Stadt Kaiserslautern', id: 'https://www.kaiserslautern.de' },
      }),
    )
    await remote.add(
      glanInput({
        title: 'Luftqualität Innenstadt',
        description: 'NO2 und Feinstaub, stündlich.',
        keyword: ['Luft'],
        theme: ['ENVI', 'HEAL'],
        publisher: 'Stadt Kaiserslautern',
      }),
    )
    await local.add(glanInput({ publisher: { name: 'Kreisverwaltung Kusel' } }))
  })
  afterEach(async () => {
    for (const d of disposers) await d()
  })

  it('ingestCatalog() caches each dataset with provider, version and fetch time', async () => {
    clock.advance(5000)
    assert.equal(await cache.ingestCatalog(KL, await remoteAnswer()), 2)
    const entries = await cache.entriesOf(KL)
    assert.equal(entries.length, 2)
    for (const e of entries) {
      assert.equal(e.provider, KL)
      assert.equal(e.version, 1)
      assert.equal(e.fetchedAt, '2026-03-01T08:00:05.000Z')
    }
    const traffic = entries.find((e) => e.title === 'Verkehrsstärke Pfaffplatz')!
    assert.deepEqual(traffic.keyword, ['Verkehr', 'Straße'])
    assert.deepEqual(traffic.publisher, { name: 'Stadt Kaiserslautern', id: 'https://www.kaiserslautern.de' })
    assert.deepEqual(traffic.theme, ['http://publications.europa.eu/resource/authority/data-theme/TRAN'])
    assert.deepEqual(await cache.get(KL, traffic.datasetId), traffic)
  })

  it('ingestCatalog() leaves a dataset answered exactly as cached as it is, and takes in a changed one', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    const changes: number[] = []
    cache.onChange(() => changes.push(1))
    clock.advance(60_000)
    assert.equal(await cache.ingestCatalog(KL, await remoteAnswer()), 2)
    assert.deepEqual(changes, [], 'nothing changed, nothing written')
    for (const e of await cache.entriesOf(KL)) assert.equal(e.fetchedAt, '2026-03-01T08:00:00.000Z')

    const traffic = (await remote.list()).find((d) => d.title === 'Verkehrsstärke Pfaffplatz')!
    await remote.update(traffic.id, { title: 'Verkehrsstärke Pfaffplatz (neu)' })
    await cache.ingestCatalog(KL, await remoteAnswer())
    assert.deepEqual(changes, [1])
    const entries = await cache.entriesOf(KL)
    const changed = entries.find((e) => e.datasetId === traffic.id)!
    assert.equal(changed.title, 'Verkehrsstärke Pfaffplatz (neu)')
    assert.equal(changed.fetchedAt, '2026-03-01T08:01:00.000Z')
    const [hit] = await cache.search({ q: 'pfaffplatz neu' })
    assert.equal(hit?.datasetId, traffic.id)
    assert.equal(entries.find((e) => e.datasetId !== traffic.id)?.fetchedAt, '2026-03-01T08:00:00.000Z')
  })

  it('applyAnnouncement() asks for a refresh only for newer versions; ingest then catches up', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    const [d] = await remote.list()
    assert.ok(d !== undefined)
    assert.equal(await cache.applyAnnouncement({ provider: KL, datasetId: d.id, version: 1 }), false)
    await remote.update(d.id, { title: 'Verkehrsstärke Pfaffplatz (neu)' })
    assert.equal(await cache.applyAnnouncement({ provider: KL, datasetId: d.id, version: 2 }), true)
    assert.equal(
      await cache.applyAnnouncement({ provider: KL, datasetId: 'urn:uuid:unseen', version: 1 }),
      true,
    )
    await cache.ingestCatalog(KL, await remoteAnswer())
    assert.equal((await cache.get(KL, d.id))?.version, 2)
    assert.equal(await cache.applyAnnouncement({ provider: KL, datasetId: d.id, version: 2 }), false)
    assert.equal(
      await cache.applyAnnouncement({ provider: KL, datasetId: d.id, version: 1 }),
      false,
      'stale news',
    )
  })

  it('a removal announcement drops the entry (not when the cache is newer); a new answer drops vanished datasets', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    const [d1, d2] = await remote.list()
    assert.ok(d1 !== undefined && d2 !== undefined)
    assert.equal(
      await cache.applyAnnouncement({ provider: KL, datasetId: d1.id, version: 0, removed: true }),
      false,
    )
    assert.ok((await cache.get(KL, d1.id)) !== undefined, 'an older removal does not drop a newer entry')
    assert.equal(
      await cache.applyAnnouncement({ provider: KL, datasetId: d1.id, version: 2, removed: true }),
      false,
    )
    assert.equal(await cache.get(KL, d1.id), undefined)
    await remote.remove(d2.id)
    await cache.ingestCatalog(KL, await remoteAnswer())
    assert.deepEqual(
      (await cache.entriesOf(KL)).map((e) => e.datasetId),
      [d1.id],
      'd1 is back (the provider still lists it), d2 is gone',
    )
  })

  it('ingestDataset() caches one DSP Dataset answer', async () => {
    const [d] = await remote.list()
    const view = await remote.datasetFor({ did: ME, isMember: true }, d!.id)
    const answer = buildDspDataset(view, { participantId: KL, endpointURL: 'https://x.example/dsp' })
    const entry = await cache.ingestDataset(KL, answer)
    assert.equal(entry.datasetId, d!.id)
    assert.equal(entry.title, d!.title)
  })

  it('refuses malformed answers, answers for another provider and malformed announcements', async () => {
    const answer = await remoteAnswer()
    await assert.rejects(cache.ingestCatalog(PROVIDER, answer), (e: unknown) => {
      return (
        e instanceof InvalidCatalogError &&
        e.code === 'ALLMENDE_INVALID_CATALOG' &&
        /not from/.test(e.message)
      )
    })
    await assert.rejects(cache.ingestCatalog(KL, { ...answer, '@type': 'Dataset' }), InvalidCatalogError)
    await assert.rejects(
      cache.ingestCatalog(KL, { ...answer, dataset: [{ title: 'x' }] }),
      InvalidCatalogError,
    )
    await assert.rejects(
      cache.applyAnnouncement({ provider: 'kl', datasetId: 'x', version: 1 }),
      InvalidCatalogError,
    )
    await assert.rejects(
      cache.applyAnnouncement({ provider: KL, datasetId: 'x', version: 1.5 }),
      InvalidCatalogError,
    )
    assert.deepEqual(await cache.entriesOf(KL), [])
  })

  it('reads nested catalogs and full-IRI keys', async () => {
    const nested = {
      '@type': 'Catalog',
      participantId: KL,
      catalog: [
        {
          '@type': 'Catalog',
          dataset: [
            {
              '@id': 'urn:x:deep',
              'http://purl.org/dc/terms/title': [{ '@value': 'Parkhäuser Belegung', '@language': 'de' }],
              'http://www.w3.org/ns/dcat#version': '7',
            },
          ],
        },
      ],
    }
    assert.equal(await cache.ingestCatalog(KL, nested), 1)
    const entry = await cache.get(KL, 'urn:x:deep')
    assert.equal(entry?.title, 'Parkhäuser Belegung')
    assert.equal(entry?.version, 7)
  })

  it('search() covers local datasets and cached ones, naming each provider, case- and umlaut-tolerant', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    const all = await cache.search()
    assert.deepEqual(
      all.map((h) => [h.provider, h.title, h.local]),
      [
        [ME, 'Pegel Glan Altenglan', true],
        [KL, 'Luftqualität Innenstadt', false],
        [KL, 'Verkehrsstärke Pfaffplatz', false],
      ],
    )
    const titles = async (q: object) => (await cache.search(q)).map((h) => h.title)
    assert.deepEqual(await titles({ q: 'VERKEHRSSTÄRKE' }), ['Verkehrsstärke Pfaffplatz'])
    assert.deepEqual(await titles({ q: 'verkehrsstaerke' }), ['Verkehrsstärke Pfaffplatz'])
    assert.deepEqual(await titles({ q: 'strasse' }), ['Verkehrsstärke Pfaffplatz'], 'keywords are searched')
    assert.deepEqual(
      await titles({ q: 'luftqualita\u0308t' }),
      ['Luftqualität Innenstadt'],
      'decomposed umlaut',
    )
    assert.deepEqual(
      await titles({ q: 'feinstaub no2' }),
      ['Luftqualität Innenstadt'],
      'description, all words',
    )
    assert.deepEqual(await titles({ q: 'feinstaub verkehr' }), [])
    assert.deepEqual(await titles({ q: 'hochwasser' }), ['Pegel Glan Altenglan'])
    assert.deepEqual(await titles({ theme: 'ENVI' }), ['Pegel Glan Altenglan', 'Luftqualität Innenstadt'])
    assert.deepEqual(
      await titles({ theme: 'http://publications.europa.eu/resource/authority/data-theme/TRAN' }),
      ['Verkehrsstärke Pfaffplatz'],
    )
    assert.deepEqual(await titles({ publisher: 'kaiserslautern', theme: 'ENVI' }), [
      'Luftqualität Innenstadt',
    ])
    assert.deepEqual(await titles({ publisher: 'https://www.kaiserslautern.de' }), [
      'Verkehrsstärke Pfaffplatz',
    ])
    assert.deepEqual(await titles({ publisher: 'Kusel' }), ['Pegel Glan Altenglan'])
    const [hit] = await cache.search({ q: 'pfaffplatz' })
    assert.equal(hit?.provider, KL)
    assert.equal(hit?.fetchedAt, '2026-03-01T08:00:00.000Z')
  })

  it('search() follows every write after the first search, offers included, cached hits by provider and title', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    assert.equal((await cache.search({ q: 'pfaffplatz' })).length, 1)
    // A provider whose DID sorts before Kaiserslautern's, with titles in German order (Ü as U), not code points.
    const other = 'did:web:altenglan.example'
    const offer = (id: string) => ({ '@id': id, '@type': 'Offer', permission: [{ action: 'use' }] })
    const dataset = (id: string, title: string, version: number, offers: object[]) => ({
      '@id': id,
      'dct:title': title,
      'dcat:keyword': ['Pfaffplatz'],
      'dcat:version': String(version),
      hasPolicy: offers,
    })
    await cache.ingestCatalog(other, {
      '@type': 'Catalog',
      participantId: other,
      dataset: [
        dataset('urn:x:ufer', 'Ufer', 1, []),
        dataset('urn:x:flut', 'Überschwemmung', 1, [offer('urn:x:offer:1')]),
      ],
    })
    const found = async () =>
      (await cache.search({ q: 'pfaffplatz' })).map((h) => [
        h.provider,
        h.title,
        h.offers.map((o) => o['@id']),
      ])
    assert.deepEqual(await found(), [
      [other, 'Überschwemmung', ['urn:x:offer:1']],
      [other, 'Ufer', []],
      [KL, 'Verkehrsstärke Pfaffplatz', [`urn:uuid:6a3c1d1e-0000-4000-8000-000000000001`]],
    ])
    await cache.ingestDataset(
      other,
      dataset('urn:x:flut', 'Überschwemmung', 2, [offer('urn:x:offer:2'), offer('urn:x:offer:3')]),
    )
    assert.equal(
      await cache.applyAnnouncement({ provider: other, datasetId: 'urn:x:ufer', version: 2, removed: true }),
      false,
    )
    assert.deepEqual(await found(), [
      [other, 'Überschwemmung', ['urn:x:offer:2', 'urn:x:offer:3']],
      [KL, 'Verkehrsstärke Pfaffplatz', [`urn:uuid:6a3c1d1e-0000-4000-8000-000000000001`]],
    ])
  })

  it('find() counts what search() finds and answers it a page at a time, with or without own datasets', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    const all = (await cache.search()).map((h) => h.title)
    const matches = await cache.find()
    assert.equal(matches.count(), 3)
    assert.equal(matches.count(false), 2)
    const titles = async (offset: number, limit: number, withOwn?: boolean) =>
      (await matches.page(offset, limit, withOwn)).map((h) => h.title)
    assert.deepEqual(await titles(0, 10), all)
    assert.deepEqual(await titles(0, 1), all.slice(0, 1))
    assert.deepEqual(await titles(1, 1), all.slice(1, 2))
    assert.deepEqual(await titles(1, 5), all.slice(1))
    assert.deepEqual(await titles(3, 5), [])
    assert.deepEqual(await titles(1, 5, false), all.slice(2))
    assert.deepEqual(await titles(0, 5, false), all.slice(1))
  })

  it('a page reads its cached hits from the store as they are now, in order across reads, without the dropped ones', async () => {
    const other = 'did:web:other.example'
    // More datasets than one read of the store takes: the page is put together from several.
    const titles = Array.from({ length: 250 }, (_, i) => `Messreihe ${String(i).padStart(3, '0')}`)
    await cache.ingestCatalog(other, {
      '@type': 'Catalog',
      participantId: other,
      dataset: titles.map((title, i) => ({
        '@id': `urn:x:${i}`,
        'dct:title': title,
        'dct:description': `Reihe ${i}`,
        hasPolicy: [{ '@id': `urn:x:offer:${i}`, '@type': 'Offer', permission: [{ action: 'use' }] }],
      })),
    })
    const matches = await cache.find({ q: 'messreihe' })
    const page = await matches.page(0, 250)
    assert.deepEqual(
      page.map((h) => h.title),
      titles,
    )
    assert.deepEqual(page[249]?.offers, [
      { '@id': 'urn:x:offer:249', '@type': 'Offer', permission: [{ action: 'use' }] },
    ])
    assert.equal(page[249]?.description, 'Reihe 249')
    assert.equal(await cache.forgetProvider(other), 250)
    await cache.ingestDataset(other, { '@id': 'urn:x:1', 'dct:title': 'Messreihe 001', 'dcat:version': '3' })
    // Found before the provider was dropped: what is left of it is answered as cached now.
    assert.equal(matches.count(), 250)
    assert.deepEqual(
      (await matches.page(0, 250)).map((h) => [h.title, h.version]),
      [['Messreihe 001', 3]],
    )
  })

  it('forgetProvider() drops exactly one provider', async () => {
    await cache.ingestCatalog(KL, await remoteAnswer())
    await cache.ingestCatalog('did:web:other.example', {
      '@type': 'Catalog',
      participantId: 'did:web:other.example',
      dataset: [{ '@id': 'urn:x:1', 'dct:title': 'Other' }],
    })
    assert.equal(await cache.forgetProvider(KL), 2)
    assert.deepEqual(
      (await cache.search()).map((h) => h.provider),
      [ME, 'did:web:other.example'],
    )
    // Nothing of the cache is in the datasets sublevel: the local catalog is untouched.
    assert.equal((await local.list()).length, 1)
    assert.ok(store !== undefined)
  })
})

describe('foldText()', () => {
  it('folds case, ß, umlauts and accents, composed or not', () => {
    assert.equal(foldText('STRAẞE Straße'), 'strasse strasse')
    assert.equal(foldText('Mühlbach'), foldText('Mu\u0308hlbach'))
    assert.equal(foldText('Mühlbach'), 'muehlbach')
    assert.equal(foldText('Café ÖPNV'), 'cafe oepnv')
  })
})
