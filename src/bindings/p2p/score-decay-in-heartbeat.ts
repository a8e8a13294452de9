import { Libp2pPatchError } from './errors.js'

/** What {@link scoresDecayInHeartbeat} uses of a gossipsub instance (public members of its class). */
interface ScoredGossip {
  start(): Promise<void>
  heartbeat(): Promise<void>
  readonly score: {
    readonly params: { readonly decayInterval: number }
    background(): void
    _backgroundInterval?: ReturnType<typeof setInterval>
  }
}

/** Most decays one heartbeat catches up on: after a pause that long every penalty has long decayed to zero. */
const MAX_DECAYS_PER_BEAT = 60

/**
 * Wraps gossipsub's factory so the peer scores decay in its heartbeat instead of on a timer of their own.
 * Both run every second, at different moments of it: two wake-ups a second for an idle node, where a
 * wake-up alone costs about what its work does (the scale bench's yardstick, a Node process that wakes once
 * a second, takes 0.5 to 1 ms/s of a core on its 2-core machine). The decay keeps its pace by the clock: a
 * heartbeat runs as many decays as `decayInterval`s have passed since the last one (a loaded node's
 * heartbeat runs late or skips a beat). Throws when a gossipsub release no longer has the score's timer where
 * this looks for it, so an upgrade cannot bring the second wake-up back unnoticed.
 */
export function scoresDecayInHeartbeat<C, S>(
  factory: (components: C) => S,
  now: () => number = Date.now,
): (components: C) => S {
  return (components) => {
    const gossip = factory(components)
    const scored = gossip as unknown as Partial<ScoredGossip>
    const score = scored.score
    if (
      typeof scored.start !== 'function' ||
      typeof scored.heartbeat !== 'function' ||
      typeof score?.background !== 'function' ||
      !(score.params?.decayInterval > 0)
    ) {
      throw new Libp2pPatchError("gossipsub's peer score is not where scoresDecayInHeartbeat looks for it")
    }
    const start = scored.start.bind(gossip)
    const heartbeat = scored.heartbeat.bind(gossip)
    const interval = score.params.decayInterval
    let decayedAt = 0
    scored.start = async () => {
      await start()
      if (score._backgroundInterval === undefined) {
        throw new Libp2pPatchError(
          "gossipsub's peer score has no timer where scoresDecayInHeartbeat looks for it",
        )
      }
      // Cleared, not deleted: the score's stop() clears it again and then forgets its peers.
      clearInterval(score._backgroundInterval)
      decayedAt = now()
    }
    scored.heartbeat = async () => {
      const due = Math.floor((now() - decayedAt) / interval)
      for (let decay = 0; decay < Math.min(due, MAX_DECAYS_PER_BEAT); decay++) score.background()
      decayedAt += due * interval
      return heartbeat()
    }
    return gossip
  }
}
