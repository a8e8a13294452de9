import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import type { CatalogChange } from '../../../src/catalog/catalog.js'
import {
  MAX_RECENT,
  PRESENCE_SPACING_MS,
  presenceInterval,
  RECENT_WINDOW_MS,
  SummarySchedule,
} from '../../../src/catalog/catalog-summaries.js'

const change = (n: number): CatalogChange => ({ datasetId: `urn:uuid:${n}`, version: 1, removed: false })

describe('catalog summary schedule', () => {
  let now: number
  let published: (readonly CatalogChange[])[]
  let schedule: SummarySchedule
  /** Members the schedule knows of, itself included. */
  let members: number

  /** A schedule of a node knowing `known` members, started now. */
  const startSchedule = (known: number) => {
    schedule?.stop()
    members = known
    schedule = new SummarySchedule({
      publish: async (changes) => {
        published.push(changes)
      },
      now: () => now,
      presenceMs: 100_000,
      members: () => members,
    })
    schedule.start()
  }

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] })
    now = 1_000_000
    published = []
    startSchedule(1)
  })

  afterEach(() => {
    schedule.stop()
    mock.timers.reset()
  })

  const advance = (ms: number) => {
    now += ms
    mock.timers.tick(ms)
  }

  it('repeats a change a few times soon after it, then only with the presence', () => {
    schedule.changed(change(1))
    advance(2_000)
    assert.equal(published.length, 1)
    assert.deepEqual(published[0], [change(1)])
    advance(28_000)
    assert.equal(published.length, 3)
    advance(79_000)
    assert.equal(published.length, 3, 'nothing between the last repeat and the presence')
    advance(41_000)
    assert.equal(published.length, 4, 'the presence came 80 to 120 s after the last repeat')
  })

  it('counts any summary it sent as presence', () => {
    advance(70_000)
    schedule.metPeer()
    advance(1_000)
    assert.equal(published.length, 1, 'the summary on meeting the first peer')
    advance(78_000)
    assert.equal(published.length, 1, 'no presence within 80 s of that summary')
    advance(42_000)
    assert.equal(published.length, 2, 'the presence within 120 s of it')
  })

  it('restarts the repeats with each change of a burst, so the burst is repeated as one', () => {
    schedule.changed(change(1))
    advance(1_500)
    schedule.changed(change(2))
    advance(1_500)
    assert.equal(published.length, 0)
    advance(500)
    assert.deepEqual(published[0], [change(1), change(2)])
  })

  it('carries at most the newest changes and none older than the window', () => {
    for (let n = 0; n < MAX_RECENT + 4; n++) schedule.changed(change(n))
    const recent = schedule.recentChanges()
    assert.equal(recent.length, MAX_RECENT)
    assert.deepEqual(recent.at(-1), change(MAX_RECENT + 3))
    advance(RECENT_WINDOW_MS + 1)
    assert.deepEqual(schedule.recentChanges(), [])
  })

  it('says once that it is there when it meets its first peer on the topic', () => {
    schedule.metPeer()
    schedule.metPeer()
    advance(1_000)
    assert.deepEqual(published, [[]])
    schedule.metPeer()
    advance(5_000)
    assert.equal(published.length, 1)
  })

  it('publishes nothing once stopped', () => {
    schedule.changed(change(1))
    schedule.stop()
    advance(200_000)
    assert.equal(published.length, 0)
  })

  it('says it is there more rarely the more members it knows, so the data space sends about as much presence at any size', () => {
    startSchedule(100)
    advance(0.8 * 100 * PRESENCE_SPACING_MS - 1)
    assert.equal(published.length, 0, 'not before 80 % of 100 spacings')
    advance(0.4 * 100 * PRESENCE_SPACING_MS + 1)
    assert.equal(published.length, 1, 'by 120 % of 100 spacings')
    members = 2
    advance(1.2 * 100 * PRESENCE_SPACING_MS)
    assert.equal(published.length, 2, 'the next interval is the one for the members known at its start')
    advance(120_000)
    assert.equal(published.length, 3, 'a small data space falls back to the shortest interval')
  })
})

describe('presence interval', () => {
  it('is the shortest interval in a small data space and grows with the members beyond', () => {
    assert.equal(presenceInterval(1, 120_000), 120_000)
    assert.equal(presenceInterval(15, 120_000), 120_000)
    assert.equal(presenceInterval(100, 120_000), 100 * PRESENCE_SPACING_MS)
    assert.equal(presenceInterval(1_000, 120_000), 1_000 * PRESENCE_SPACING_MS)
  })
})
