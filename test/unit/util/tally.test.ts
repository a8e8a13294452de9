import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Tally } from '../../../src/util/tally.js'

describe('Tally: how many are under way per key', () => {
  it('holds a key until each one added is removed again', () => {
    const tally = new Tally()
    tally.add('peer')
    tally.add('peer')
    tally.remove('peer')
    assert.equal(tally.has('peer'), true)
    tally.remove('peer')
    assert.equal(tally.has('peer'), false)
  })

  it('keeps keys apart, and a removal of a key it does not hold changes nothing', () => {
    const tally = new Tally()
    tally.add('a')
    tally.remove('b')
    assert.deepEqual([tally.has('a'), tally.has('b')], [true, false])
  })
})
