import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import {
  Catalog,
  type CatalogChange,
  DatasetNotFoundError,
  DatasetVersionConflictError,
  InvalidDatasetError,
  InvalidOfferError,
  OfferNotFoundError,
} from '../../../src/catalog/index.js'
import type { Store } from '../../../src/store/index.js'
import { localSourceProblem } from '../../../src/transfer/sources/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { checkOffer, glanInput, HAMBURG, ManualClock, MEMBER, roleConstraint, tempStore } from './fixtures.js'

describe('Catalog', () => {
  let store: Store
  let close: () => Promise<void>
  let clock: ManualClock
  let catalog: Catalog

  beforeEach(async () => {
    ;({ store, dispose: close } = await tempStore())
    clock = new ManualClock()
    catalog = new Catalog({ store, clock }, { validateOffer: checkOffer, evaluateConstraint: roleConstraint })
  })
  afterEach(async () => {
    await close()
  })

  describe('add()', () => {
    it('stores a dataset at version 1 with a urn:uuid id, dates, expanded vocabulary IRIs and the source as given', async () => {
      const input = glanInput()
      const { dataset, warnings } = await catalog.add(input)
      assert.match(
        dataset.id,
        /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      )
      assert.equal(dataset.version, 1)
      assert.equal(dataset.created, '2026-03-01T08:00:00.000Z')
      assert.equal(dataset.modified, dataset.created)
      assert.deepEqual(dataset.theme, ['http://publications.europa.eu/resource/authority/data-theme/ENVI'])
      assert.equal(
        dataset.accrualPeriodicity,
        'http://publications.europa.eu/resource/authority/frequency/15MIN',
      )
      assert.equal(
        dataset.distributions[0]?.format,
        'http://publications.europa.eu/resource/authority/file-type/JSON',
      )
      assert.deepEqual(dataset.source, input.source)
      assert.deepEqual(warnings, [])
      assert.deepEqual(await catalog.get(dataset.id), dataset)
    })

    it('returns the validator warnings, naming the offer, and still stores the dataset', async () => {
      const offer = { '@id': 'urn:uuid:offer-open', '@type': 'Offer', permission: [{ action: 'use' }] }
      const { dataset, warnings } = await catalog.add(glanInput({ offers: [{ offer }] }))
      assert.deepEqual(warnings, [
        { offerId: 'urn:uuid:offer-open', message: 'a rule without constraint permits any use' },
      ])
      assert.deepEqual(dataset.offers[0]?.access, { kind: 'members' }, 'access defaults to members')
    })

    it('refuses invalid metadata with every issue listed, and stores nothing', async () => {
      const bad = {
        ...glanInput(),
        title: '  ',
        theme: ['ENVIRONMENT'],
        temporal: { start: '2025-06-01', end: '2024-01-01' },
      }
      const error = await catalog.add(bad).then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      )
      assert.ok(error instanceof InvalidDatasetError)
      assert.equal(error.code, 'ALLMENDE_INVALID_DATASET')
      assert.equal(error.issues.length, 3)
      assert.match(error.message, /title must be a non-empty string/)
      assert.match(error.message, /theme\[0\] 'ENVIRONMENT' is not an EU data theme/)
      assert.match(error.message, /temporal\.start 2025-06-01 is after temporal\.end 2024-01-01/)
      assert.deepEqual(await catalog.list(), [])
    })

    it('refuses an offer the policy validator rejects, with the validator messages, and stores nothing', async () => {
      const good = glanInput().offers[0]!
      const bad = {
        offer: { '@id': 'urn:uuid:offer-bad', '@type': 'Offer', permission: [{ constraint: [] }] },
      }
      const error = await catalog.add(glanInput({ offers: [good, bad] })).then(
        () => assert.fail('expected a refusal'),
        (e: unknown) => e,
      )
      assert.ok(error instanceof InvalidOfferError)
      assert.equal(error.code, 'ALLMENDE_INVALID_OFFER')
      assert.deepEqual(error.offers, [
        { offerId: 'urn:uuid:offer-bad', errors: [{ message: 'every rule needs an action' }] },
      ])
      assert.match(error.message, /offer urn:uuid:offer-bad: every rule needs an action/)
      assert.deepEqual(await catalog.list(), [])
    })
  })

  describe('a local file source', () => {
    const checked = () =>
      new Catalog(
        { store, clock },
        { validateOffer: checkOffer, evaluateConstraint: roleConstraint, sourceProblem: localSourceProblem },
      )
    const missing = join(tmpdir(), `allmende-missing-${process.pid}.json`)

    it('is refused on add when the file does not exist, naming the source, and nothing is stored', async () => {
      const catalog = checked()
      await assert.rejects(
        catalog.add(glanInput({ source: { kind: 'file', path: missing } })),
        (error: unknown) =>
          error instanceof InvalidDatasetError &&
          /^source: source file .* does not exist/.test(error.issues[0] ?? ''),
      )
      assert.deepEqual(await catalog.list(), [])
    })

    it('is refused on update when the new file is a directory; an update of other fields does not look at the file', async () => {
      const catalog = checked()
      const dir = await tempDir('allmende-source-')
      const file = join(dir, 'pegel.json')
      await writeFile(file, '[]')
      const { dataset } = await catalog.add(glanInput({ source: { kind: 'file', path: file } }))
      await assert.rejects(
        catalog.update(dataset.id, { source: { kind: 'file', path: dir } }),
        InvalidDatasetError,
      )
      await rm(file) // gone now: a title change does not look at the file
      const { dataset: renamed } = await catalog.update(dataset.id, { title: 'Pegel Kusel' })
      assert.equal(renamed.version, 2)
    })
  })

  describe('update()', () => {
    it('increments the version, keeps id and created, sets modified, and leaves untouched fields', async () => {
      const { dataset } = await catalog.add(glanInput())
      clock.advance(60_000)
      const { dataset: v2 } = await catalog.update(dataset.id, {
        title: 'Pegel Glan (Altenglan)',
        keyword: ['Pegel'],
      })
      assert.equal(v2.id, dataset.id)
      assert.equal(v2.version, 2)
      assert.equal(v2.created, dataset.created)
      assert.equal(v2.modified, '2026-03-01T08:01:00.000Z')
      assert.equal(v2.title, 'Pegel Glan (Altenglan)')
      assert.deepEqual(v2.keyword, ['Pegel'])
      assert.equal(v2.description, dataset.description)
      assert.deepEqual(v2.source, dataset.source)
      const { dataset: v3 } = await catalog.update(dataset.id, { contributorID: null })
      assert.equal(v3.version, 3)
      assert.equal(v3.contributorID, undefined, 'null clears an optional field')
      assert.deepEqual(await catalog.get(dataset.id), v3)
    })

    it('validates the merged result and changes nothing when it is invalid', async () => {
      const { dataset } = await catalog.add(glanInput())
      await assert.rejects(
        catalog.update(dataset.id, { accrualPeriodicity: 'SOMETIMES' }),
        (e: unknown) => e instanceof InvalidDatasetError && /accrualPeriodicity 'SOMETIMES'/.test(e.message),
      )
      await assert.rejects(
        catalog.update(dataset.id, { offers: [{ offer: { '@id': 'urn:x:o', '@type': 'Set' } }] }),
        InvalidOfferError,
      )
      await assert.rejects(catalog.update(dataset.id, { version: 9 } as never), InvalidDatasetError)
      assert.deepEqual(await catalog.get(dataset.id), dataset)
    })

    it('gives concurrent updates distinct versions, and refuses a stale expectedVersion', async () => {
      const { dataset } = await catalog.add(glanInput())
      const results = await Promise.all(
        ['A', 'B', 'C', 'D'].map((k) =>
          catalog.update(dataset.id, { keyword: [k] }).then((r) => r.dataset.version),
        ),
      )
      assert.deepEqual(
        results.sort((a, b) => a - b),
        [2, 3, 4, 5],
      )
      await assert.rejects(
        catalog.update(dataset.id, { title: 'x' }, { expectedVersion: 2 }),
        (e: unknown) =>
          e instanceof DatasetVersionConflictError && e.code === 'ALLMENDE_DATASET_VERSION_CONFLICT',
      )
      const ok = await catalog.update(dataset.id, { title: 'x' }, { expectedVersion: 5 })
      assert.equal(ok.dataset.version, 6)
    })

    it('refuses an unknown id with DatasetNotFoundError (ALLMENDE_NOT_FOUND)', async () => {
      await assert.rejects(
        catalog.update('urn:uuid:00000000-0000-4000-8000-000000000000', { title: 'x' }),
        (e: unknown) => e instanceof DatasetNotFoundError && e.code === 'ALLMENDE_NOT_FOUND',
      )
    })
  })

  describe('remove()', () => {
    it('deletes only the dataset record: agreements and every other key stay as they were', async () => {
      const { dataset } = await catalog.add(glanInput())
      const { dataset: other } = await catalog.add(glanInput({ title: 'Pegel Lauter' }))
      // An agreement on the dataset, as the contract module would keep it.
      const agreements = store.sublevel<object>('agreements')
      await agreements.put('urn:uuid:agreement-1', {
        target: dataset.id,
        assignee: MEMBER,
        state: 'FINALIZED',
      })
      const before = new Map<string, unknown>()
      for await (const [k, v] of store.db.iterator()) before.set(k, v)

      const removed = await catalog.remove(dataset.id)
      assert.equal(removed.id, dataset.id)

      const after = new Map<string, unknown>()
      for await (const [k, v] of store.db.iterator()) after.set(k, v)
      const gone = [...before.keys()].filter((k) => !after.has(k))
      assert.equal(gone.length, 1)
      assert.ok(gone[0]?.endsWith(dataset.id), `only the dataset record went, not ${gone[0]}`)
      assert.equal(after.size, before.size - 1)
      for (const [k, v] of after) assert.deepEqual(v, before.get(k), `key ${k} unchanged`)
      assert.deepEqual(await agreements.get('urn:uuid:agreement-1'), {
        target: dataset.id,
        assignee: MEMBER,
        state: 'FINALIZED',
      })
      await assert.rejects(catalog.get(dataset.id), DatasetNotFoundError)
      assert.deepEqual(
        (await catalog.list()).map((d) => d.id),
        [other.id],
      )
      await assert.rejects(catalog.remove(dataset.id), DatasetNotFoundError)
    })
  })

  describe('list()', () => {
    it('lists datasets oldest first, with their versions, and survives reopening the store', async () => {
      const a = (await catalog.add(glanInput({ title: 'A' }))).dataset
      clock.advance(1000)
      const b = (await catalog.add(glanInput({ title: 'B' }))).dataset
      await catalog.update(a.id, { description: 'neu' })
      const listed = await catalog.list()
      assert.deepEqual(
        listed.map((d) => [d.title, d.version]),
        [
          ['A', 2],
          ['B', 1],
        ],
      )
      const again = new Catalog(
        { store, clock },
        { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
      )
      assert.deepEqual(
        (await again.list()).map((d) => d.id),
        [a.id, b.id],
      )
    })
  })

  describe('onChange()', () => {
    it('reports add, update and remove with versions; a removal orders after the last version', async () => {
      const changes: CatalogChange[] = []
      const stop = catalog.onChange((c) => changes.push(c))
      catalog.onChange(() => {
        throw new Error('a failing listener does not fail the write')
      })
      const { dataset } = await catalog.add(glanInput())
      await catalog.update(dataset.id, { title: 'x' })
      await catalog.remove(dataset.id)
      stop()
      await catalog.add(glanInput())
      assert.deepEqual(changes, [
        { datasetId: dataset.id, version: 1, removed: false },
        { datasetId: dataset.id, version: 2, removed: false },
        { datasetId: dataset.id, version: 3, removed: true },
      ])
    })
  })

  describe('offerFor()', () => {
    it('returns a visible offer with the dataset as target, and hides invisible ones as not found', async () => {
      const { dataset } = await catalog.add(glanInput())
      const offerId = dataset.offers[0]!.offer['@id']
      const member = { did: MEMBER, isMember: true }
      const offer = await catalog.offerFor(member, dataset.id, offerId)
      assert.equal(offer.target, dataset.id)
      assert.equal(offer['@id'], offerId)
      await assert.rejects(
        catalog.offerFor({ did: HAMBURG, isMember: false }, dataset.id, offerId),
        OfferNotFoundError,
      )
      await assert.rejects(catalog.offerFor(member, dataset.id, 'urn:uuid:nope'), OfferNotFoundError)
    })

    it('publishedOffer() gives the same offer with its access rule and approval, or the same refusal', async () => {
      const { dataset } = await catalog.add(glanInput())
      const stored = dataset.offers[0]!
      const member = { did: MEMBER, isMember: true }
      const published = await catalog.publishedOffer(member, dataset.id, stored.offer['@id'])
      assert.deepEqual(published.offer, await catalog.offerFor(member, dataset.id, stored.offer['@id']))
      assert.deepEqual(published.access, stored.access)
      assert.equal(published.approval, stored.approval)
      await assert.rejects(
        catalog.publishedOffer({ did: HAMBURG, isMember: false }, dataset.id, stored.offer['@id']),
        OfferNotFoundError,
      )
    })
  })
})
