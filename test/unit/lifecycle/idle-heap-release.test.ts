import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { describe, it } from 'node:test'
import { IdleHeapRelease } from '../../../src/lifecycle/index.js'
import { SteppedTimers } from '../../support/stepped-timers.js'

const MiB = 1024 * 1024

/** A release on stepped timers, with the heap and the event loop's busy share set by the test. */
function release() {
  const timers = new SteppedTimers()
  const state = { heap: 40 * MiB, held: 44 * MiB, busy: 0, collections: 0, compactions: 0 }
  const subject = new IdleHeapRelease({
    collect: ({ compact }) => {
      state.collections++
      if (compact) state.compactions++
    },
    heapUsed: () => state.heap,
    heapHeld: () => state.held,
    loopBusy: () => state.busy,
    timers,
    intervalMs: 10_000,
    growthBytes: 8 * MiB,
    idleBelow: 0.05,
    compactFromBytes: 12 * MiB,
  })
  subject.start()
  return { subject, timers, state }
}

describe('IdleHeapRelease', () => {
  it('collects once the heap has grown by the threshold while the event loop idles', () => {
    const { subject, timers, state } = release()
    state.heap += 7 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 0, 'grown less than the threshold')
    state.heap += 1 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 1)
    subject.stop()
  })

  it('leaves a busy node to V8, and collects when it turns idle', () => {
    const { subject, timers, state } = release()
    state.heap += 20 * MiB
    state.busy = 0.4
    timers.advance(30_000)
    assert.equal(state.collections, 0)
    state.busy = 0.01
    timers.advance(10_000)
    assert.equal(state.collections, 1)
    subject.stop()
  })

  it('measures growth from the heap after the collection, not before it', () => {
    const { subject, timers, state } = release()
    state.heap += 10 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 1)
    state.heap = 42 * MiB // what the collection left
    timers.advance(10_000) // sets the new mark
    state.heap += 6 * MiB
    timers.advance(30_000)
    assert.equal(state.collections, 1, '6 MiB over the new mark is below the threshold')
    state.heap += 2 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 2)
    subject.stop()
  })

  it('collects once V8 holds more heap than after the last collection, though no more is in use', () => {
    const { subject, timers, state } = release()
    state.held += 7 * MiB // pages a busy minute left partly filled
    timers.advance(10_000)
    assert.equal(state.collections, 0, 'grown less than the threshold')
    state.held += 1 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 1)
    state.held = 60 * MiB // what the collection could not give back
    timers.advance(10_000) // sets the new mark
    timers.advance(30_000)
    assert.equal(state.collections, 1, 'held no more than after the collection')
    subject.stop()
  })

  it('collects when V8 collected on its own and kept the pages it freed', () => {
    const { subject, timers, state } = release()
    state.heap += 6 * MiB // garbage, below the threshold
    timers.advance(10_000)
    state.heap -= 16 * MiB // V8's own collection: less in use, as much held
    timers.advance(10_000)
    assert.equal(state.collections, 1)
    subject.stop()
  })

  it('collects once when it turns idle after busy work with a quarter of its heap free', () => {
    const { subject, timers, state } = release()
    state.held = 60 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 1, 'free room grew by 16 MiB')
    timers.advance(10_000) // the new mark already counts 20 MiB of free room (busy work filled the heap again)
    timers.advance(20_000)
    assert.equal(state.collections, 1, 'no busy work since the collection')
    state.busy = 0.4
    timers.advance(10_000)
    assert.equal(state.collections, 1, 'busy')
    state.busy = 0.01
    timers.advance(10_000)
    assert.equal(state.collections, 2, 'idle again with a third of the heap free')
    state.held = 46 * MiB // what the collection left: 6 MiB free
    timers.advance(10_000) // sets the new mark
    state.busy = 0.4
    timers.advance(10_000)
    state.busy = 0.01
    timers.advance(30_000)
    assert.equal(state.collections, 2, 'idle again with less than a quarter free')
    subject.stop()
  })

  it('compacts only a heap with room to give back', () => {
    const { subject, timers, state } = release()
    state.heap = 48 * MiB // 8 MiB of garbage
    state.held = 52 * MiB // and 4 MiB of free room
    timers.advance(10_000)
    assert.deepEqual([state.collections, state.compactions], [1, 0])
    state.heap = 44 * MiB // what the collection left, with 8 MiB of free room
    timers.advance(10_000) // sets the new mark
    state.heap = 52 * MiB
    state.held = 64 * MiB // 12 MiB of free room
    timers.advance(10_000)
    assert.deepEqual([state.collections, state.compactions], [2, 1])
    subject.stop()
  })

  it('compacts after a regular collection that left room to give back', () => {
    const { subject, timers, state } = release()
    state.heap = 48 * MiB // 8 MiB of garbage
    state.held = 52 * MiB // and 4 MiB of free room
    timers.advance(10_000)
    assert.deepEqual([state.collections, state.compactions], [1, 0])
    state.heap = 34 * MiB // the collection freed 14 MiB and kept the pages: 18 MiB of free room
    timers.advance(10_000) // sets the new mark
    timers.advance(10_000)
    assert.deepEqual([state.collections, state.compactions], [2, 1])
    state.held = 36 * MiB // what the compaction left
    timers.advance(10_000) // sets the new mark
    state.held = 46 * MiB // room that came back (pages V8 took for new objects, now free again)
    timers.advance(10_000)
    assert.deepEqual([state.collections, state.compactions], [3, 2], 'grown by 10 MiB: compacting')
    timers.advance(10_000) // sets the new mark: 12 MiB of free room this compaction could not give back
    timers.advance(30_000)
    assert.deepEqual([state.collections, state.compactions], [3, 2], 'no compaction again for the same room')
    subject.stop()
  })

  it('follows a heap that shrank by itself, and stops looking when stopped', () => {
    const { subject, timers, state } = release()
    state.heap = 30 * MiB // V8 collected on its own, and gave the pages back
    state.held = 34 * MiB
    timers.advance(10_000)
    state.heap = 37 * MiB
    timers.advance(10_000)
    assert.equal(state.collections, 0, '7 MiB over the lower mark')
    subject.stop()
    state.heap = 80 * MiB
    timers.advance(60_000)
    assert.equal(state.collections, 0)
    assert.equal(timers.scheduled, 0)
  })
})

describe('exposedFullCollection', () => {
  it('gives back the pages a compacting collection empties, which a regular one keeps', () => {
    const module = new URL('../../../src/lifecycle/idle-heap-release.js', import.meta.url).href
    // Half of 300,000 small objects stay: every page of the old generation is left half full.
    const script = (compact: boolean) => `
      import { exposedFullCollection } from '${module}'
      let kept = Array.from({ length: 300_000 }, (_, i) => ({ i, text: 'x' + i, pair: [i, i] }))
      kept = kept.filter((_, i) => i % 2 === 0)
      globalThis.gc()
      exposedFullCollection()({ compact: ${compact} })
      setTimeout(() => {
        const { heapTotal, heapUsed } = process.memoryUsage()
        console.log(kept.length, Math.round((heapTotal - heapUsed) / 1048576))
      }, 100)`
    const freeMiB = (compact: boolean) => {
      const [kept, free] = execFileSync(
        process.execPath,
        ['--expose-gc', '--max-semi-space-size=1', '--input-type=module', '-e', script(compact)],
        { encoding: 'utf8' },
      )
        .trim()
        .split(' ')
        .map(Number)
      assert.equal(kept, 150_000)
      return free!
    }
    const regular = freeMiB(false)
    assert.ok(regular >= 10, `a regular collection keeps the half-filled pages: ${regular} MiB free`)
    const compacted = freeMiB(true)
    assert.ok(compacted < regular / 3, `the compacting one gives them back: ${compacted} MiB free`)
  })
})
