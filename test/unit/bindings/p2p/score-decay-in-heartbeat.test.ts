import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { describe, it } from 'node:test'
import { scoresDecayInHeartbeat } from '../../../../src/bindings/p2p/score-decay-in-heartbeat.js'
import { AllmendeError } from '../../../../src/protocol/errors.js'
import { loneLibp2p } from '../../../support/lone-libp2p.js'

/** A stand-in for gossipsub with the members the patch uses: it counts heartbeats and score decays. */
function countingGossip(decayInterval = 1_000) {
  const counts = { beats: 0, decays: 0 }
  const gossip = {
    score: {
      params: { decayInterval },
      _backgroundInterval: undefined as ReturnType<typeof setInterval> | undefined,
      background: () => {
        counts.decays++
      },
    },
    async start() {
      this.score._backgroundInterval = setInterval(() => this.score.background(), decayInterval)
    },
    async heartbeat() {
      counts.beats++
    },
  }
  return { gossip, counts }
}

/** The members of a real gossipsub instance the first test wraps, typed as the stand-in's. */
type ScoredGossip = ReturnType<typeof countingGossip>['gossip'] & EventTarget

function isPatchError(error: unknown): boolean {
  return error instanceof AllmendeError && error.code === 'ALLMENDE_LIBP2P_PATCH'
}

describe('gossipsub peer scores', () => {
  it('decay in the heartbeat of a started node, never on a timer of their own', async () => {
    const node = await loneLibp2p('score-decay-test')
    const pubsub = node.services.pubsub as unknown as ScoredGossip
    const decays: boolean[] = []
    let inBeat = false
    const decay = pubsub.score.background.bind(pubsub.score)
    pubsub.score.background = () => {
      decays.push(inBeat)
      decay()
    }
    const beat = pubsub.heartbeat.bind(pubsub)
    pubsub.heartbeat = async () => {
      inBeat = true
      try {
        await beat()
      } finally {
        inBeat = false
      }
    }
    await node.start()
    try {
      for (let beats = 0; beats < 3; beats++) await once(pubsub, 'gossipsub:heartbeat')
    } finally {
      await node.stop()
    }
    assert.ok(decays.length >= 1, 'the scores decayed')
    assert.deepEqual(
      decays.filter((during) => !during),
      [],
      'every decay ran in a heartbeat',
    )
  })

  it('decay once per interval by the clock, however late or often the heartbeat runs', async () => {
    let now = 50_000
    const { gossip, counts } = countingGossip(1_000)
    const patched = scoresDecayInHeartbeat(
      () => gossip,
      () => now,
    )(undefined)
    await patched.start()
    try {
      await patched.heartbeat()
      assert.deepEqual(counts, { beats: 1, decays: 0 })
      now += 999
      await patched.heartbeat()
      assert.equal(counts.decays, 0)
      now += 1
      await patched.heartbeat()
      assert.equal(counts.decays, 1)
      // a loaded node's heartbeat three and a half intervals late catches up, and keeps the half
      now += 3_500
      await patched.heartbeat()
      assert.equal(counts.decays, 4)
      now += 500
      await patched.heartbeat()
      assert.deepEqual(counts, { beats: 5, decays: 5 })
    } finally {
      clearInterval(gossip.score._backgroundInterval)
    }
  })

  it('refuse a gossipsub whose score is not where the patch looks for it', async () => {
    assert.throws(() => scoresDecayInHeartbeat(() => ({ start: async () => {} }))(undefined), isPatchError)
    const { gossip } = countingGossip()
    gossip.start = async () => {}
    await assert.rejects(scoresDecayInHeartbeat(() => gossip)(undefined).start(), isPatchError)
  })
})
