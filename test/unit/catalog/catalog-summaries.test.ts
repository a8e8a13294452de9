import assert from 'node:assert/strict'
import { afterEach, beforeEach, describe, it, mock } from 'node:test'
import type { CatalogChange } from '../../../src/catalog/catalog.js'
import { MAX_RECENT, RECENT_WINDOW_MS, SummarySchedule } from '../../../src/catalog/catalog-summaries.js'

const change = (n: number): CatalogChange => ({ datasetId: `urn:uuid:${n}`, version: 1, removed: false })

describe('catalog summary schedule', () => {
  let now: number
  let published: (readonly CatalogChange[])[]
  let schedule: SummarySchedule

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout'] })
    now = 1_000_000
    published = []
    schedule = new SummarySchedule({
      publish: async (changes) => {
        published.push(changes)
      },
      now: () => now,
      presenceMs: 100_000,
    })
    schedule.start()
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
    advance(49_000)
    assert.equal(published.length, 3, 'nothing between the last repeat and the presence')
    advance(71_000)
    assert.ok(published.length >= 4, 'the presence (80 to 120 s) came')
  })

  it('says it is there within seconds of hearing of a newcomer, and at most once in 30 s', () => {
    schedule.heardNewcomer(1)
    advance(3_000)
    assert.equal(published.length, 1, 'within the 3 s pause')
    schedule.heardNewcomer(2)
    schedule.heardNewcomer(3)
    advance(26_000)
    assert.equal(published.length, 1, 'newcomers heard soon after wait for the gap')
    advance(7_000)
    assert.equal(published.length, 2, 'one summary for all of them, once the gap is over')
    advance(40_000)
    assert.equal(published.length, 2, 'nothing more without another newcomer')
  })

  it('among a hundred providers, welcomes newcomers once in 100 s: one welcome a second in the data space', () => {
    // presence only after this test's 107 s
    schedule.stop()
    schedule = new SummarySchedule({
      publish: async (changes) => {
        published.push(changes)
      },
      now: () => now,
      presenceMs: 600_000,
    })
    schedule.start()
    schedule.heardNewcomer(99)
    advance(3_000)
    assert.equal(published.length, 1, 'the first within the 3 s pause')
    schedule.heardNewcomer(100)
    advance(90_000)
    assert.equal(published.length, 1, 'the next waits a second per provider heard of')
    advance(14_000)
    assert.equal(published.length, 2)
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
})
