import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  connectionsToTrim,
  INBOUND_TAKES_PLACE_MS,
  TRIM_GRACE_MS,
  type TrimCandidate,
} from '../../../../src/bindings/p2p/connection-trim.js'

const NOW = 1_000_000
const OLD = NOW - TRIM_GRACE_MS

function candidate(name: string, fields: Partial<Omit<TrimCandidate<string>, 'connection'>> = {}) {
  return { connection: name, outbound: false, openedAt: OLD, admittedAt: OLD, busy: false, ...fields }
}

describe('connectionsToTrim: which connections a member over its limit closes', () => {
  it('closes none while at or under the limit', () => {
    const three = [candidate('a'), candidate('b'), candidate('c')]
    assert.deepEqual(connectionsToTrim(three, 3, NOW), [])
    assert.deepEqual(connectionsToTrim(three, 5, NOW), [])
  })

  it('closes only as many as are over the limit', () => {
    const five = ['a', 'b', 'c', 'd', 'e'].map((name) => candidate(name))
    assert.equal(connectionsToTrim(five, 3, NOW).length, 2)
  })

  it('closes the connections this node dialled before the ones dialled to it, however new these are', () => {
    const candidates = [
      candidate('dialled to us, newest', { admittedAt: OLD }),
      candidate('we dialled, older', { outbound: true, admittedAt: OLD - 5_000 }),
      candidate('we dialled, oldest', { outbound: true, admittedAt: OLD - 9_000 }),
    ]
    assert.deepEqual(connectionsToTrim(candidates, 1, NOW), ['we dialled, older', 'we dialled, oldest'])
  })

  it('closes the newest first among connections of one direction: long-standing peers stay', () => {
    const candidates = [
      candidate('oldest', { admittedAt: OLD - 60_000 }),
      candidate('newest', { admittedAt: OLD }),
      candidate('middle', { admittedAt: OLD - 30_000 }),
    ]
    assert.deepEqual(connectionsToTrim(candidates, 1, NOW), ['newest', 'middle'])
  })

  it('leaves a connection whose handshake still runs, though it counts towards the limit', () => {
    const candidates = [
      candidate('handshaking', { outbound: true, admittedAt: undefined }),
      candidate('settled'),
    ]
    assert.deepEqual(connectionsToTrim(candidates, 1, NOW), ['settled'])
  })

  it('leaves a connection carrying a request', () => {
    const candidates = [candidate('negotiating', { outbound: true, busy: true }), candidate('idle')]
    assert.deepEqual(connectionsToTrim(candidates, 1, NOW), ['idle'])
  })

  it('leaves a connection admitted within the grace period, and closes it once the period has run out', () => {
    const admittedAt = NOW - 1_000
    const candidates = [candidate('old'), candidate('just admitted', { outbound: true, admittedAt })]
    assert.deepEqual(connectionsToTrim(candidates, 1, NOW), ['old'])
    assert.deepEqual(connectionsToTrim(candidates, 1, admittedAt + TRIM_GRACE_MS - 1), ['old'])
    assert.deepEqual(connectionsToTrim(candidates, 1, admittedAt + TRIM_GRACE_MS), ['just admitted'])
  })

  it('closes fewer than the excess when the rest may not be closed yet', () => {
    const candidates = [
      candidate('young', { admittedAt: NOW }),
      candidate('busy', { busy: true }),
      candidate('idle'),
    ]
    assert.deepEqual(connectionsToTrim(candidates, 0, NOW), ['idle'])
  })

  it('gives a young inbound connection no place: a request of another member closes no settled connection', () => {
    const young = NOW - INBOUND_TAKES_PLACE_MS + 1
    const candidates = [
      candidate('we dialled', { outbound: true }),
      candidate('dialled to us, settled'),
      candidate('request', { openedAt: young, admittedAt: young }),
    ]
    assert.deepEqual(connectionsToTrim(candidates, 2, NOW), [])
    const later = NOW + TRIM_GRACE_MS
    assert.deepEqual(connectionsToTrim(candidates, 2, later), ['we dialled'])
  })

  it('gives a young connection this node dialled its place at once', () => {
    const candidates = [
      candidate('settled'),
      candidate('just dialled', { outbound: true, openedAt: NOW, admittedAt: undefined }),
    ]
    assert.deepEqual(connectionsToTrim(candidates, 1, NOW), ['settled'])
  })
})
