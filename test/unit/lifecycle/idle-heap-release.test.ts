import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { IdleHeapRelease } from '../../../src/lifecycle/index.js'
import { SteppedTimers } from '../../support/stepped-timers.js'

const MiB = 1024 * 1024

/** A release on stepped timers, with the heap and the event loop's busy share set by the test. */
function release() {
  const timers = new SteppedTimers()
  const state = { heap: 40 * MiB, held: 44 * MiB, busy: 0, collections: 0 }
  const subject = new IdleHeapRelease({
    collect: () => {
      state.collections++
    },
    heapUsed: () => state.heap,
    heapHeld: () => state.held,
    loopBusy: () => state.busy,
    timers,
    intervalMs: 10_000,
    growthBytes: 8 * MiB,
    idleBelow: 0.05,
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
