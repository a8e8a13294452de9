import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { PacedTimer } from '../../../src/lifecycle/index.js'
import { SteppedTimers } from '../../support/stepped-timers.js'

describe('PacedTimer', () => {
  const pace = { busyMs: 500, restMs: 5_000 }

  it('runs the chore at once, then every busyMs while it is busy and every restMs once it rests', () => {
    const timers = new SteppedTimers()
    const runs: number[] = []
    let busy = true
    const timer = new PacedTimer(
      () => {
        runs.push(timers.now)
        return busy
      },
      pace,
      timers,
    )
    timer.start()
    timers.advance(1_000)
    assert.deepEqual(runs, [0, 500, 1_000])
    busy = false
    timers.advance(500)
    assert.deepEqual(runs, [0, 500, 1_000, 1_500])
    timers.advance(9_999)
    assert.deepEqual(runs, [0, 500, 1_000, 1_500, 6_500], 'a resting chore runs every 5 s, not every 0.5 s')
    timer.stop()
  })

  it('comes back when the chore says it has work again, never sooner than busyMs nor later than restMs', () => {
    const timers = new SteppedTimers()
    const runs: number[] = []
    const answers = [2_000, 100, 60_000, 2_000]
    const timer = new PacedTimer(
      () => {
        runs.push(timers.now)
        return answers.shift() ?? false
      },
      pace,
      timers,
    )
    timer.start()
    timers.advance(20_000)
    assert.deepEqual(runs, [0, 2_000, 2_500, 7_500, 9_500, 14_500, 19_500])
    timer.stop()
  })

  it('runs a resting chore as soon as it is nudged, and rests again from there', () => {
    const timers = new SteppedTimers()
    const runs: number[] = []
    const timer = new PacedTimer(
      () => {
        runs.push(timers.now)
        return false
      },
      pace,
      timers,
    )
    timer.start()
    timers.advance(1_200)
    timer.nudge()
    timer.nudge()
    timers.advance(0)
    assert.deepEqual(runs, [0, 1_200], 'two nudges in a row run it once')
    timers.advance(4_999)
    assert.deepEqual(runs, [0, 1_200])
    timers.advance(1)
    assert.deepEqual(runs, [0, 1_200, 6_200])
    timer.stop()
  })

  it('a nudge while the chore runs brings it back at once; stop ends it, and a later nudge does nothing', () => {
    const timers = new SteppedTimers()
    let runs = 0
    const timer = new PacedTimer(
      () => {
        runs++
        if (runs === 1) timer.nudge()
        return false
      },
      pace,
      timers,
    )
    timer.start()
    timers.advance(0)
    assert.equal(runs, 2)
    timer.stop()
    assert.equal(timers.scheduled, 0)
    timer.nudge()
    timers.advance(60_000)
    assert.equal(runs, 2)
  })
})
