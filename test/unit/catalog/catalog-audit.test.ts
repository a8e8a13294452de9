import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { AuditLog } from '../../../src/audit/index.js'
import { auditCatalogChanges, type Catalog } from '../../../src/catalog/index.js'
import { nodeKeyFromSeed } from '../../../src/identity/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { eventually } from '../../support/cli-process.js'
import { glanInput, tempCatalog } from './fixtures.js'

/**
 * Polls until `ready` holds: audit entries of catalog changes are written after the change. Bounded by
 * time, not by a count of turns: 500 turns of the event loop passed before a loaded disk had written.
 */
const until = (ready: () => Promise<boolean>) =>
  eventually(async () => ((await ready()) ? true : undefined), { what: 'the audit entries', intervalMs: 5 })

describe('auditCatalogChanges: every catalog change in the audit log', () => {
  let catalog: Catalog
  let audit: AuditLog
  let close: () => Promise<void>

  before(async () => {
    const t = await tempCatalog()
    close = t.dispose
    catalog = t.catalog
    audit = new AuditLog({
      store: t.store,
      nodeKey: await nodeKeyFromSeed(new Uint8Array(32).fill(7)),
      clock: () => t.clock.now(),
    })
  })
  after(() => close())

  it('writes one entry when a dataset is published and one when it is removed, until told to stop', async () => {
    const stop = auditCatalogChanges(catalog, audit, createSilentLogger())
    const { dataset } = await catalog.add(glanInput())
    await catalog.remove(dataset.id)
    const catalogEntries = async () =>
      (await audit.list()).filter((entry) => entry.type.startsWith('catalog.'))
    await until(async () => (await catalogEntries()).length === 2)
    assert.deepEqual(
      (await catalogEntries()).map((entry) => [entry.type, entry.subject]),
      [
        ['catalog.published', dataset.id],
        ['catalog.removed', dataset.id],
      ],
    )
    stop()
    await catalog.add(glanInput({ title: 'Pegel Lauter' }))
    // A later entry of our own: an entry for the change, had one been started, would stand before it.
    await audit.record({ type: 'test.marker', subject: 'after the change' })
    assert.equal((await catalogEntries()).length, 2)
  })
})
