import { Libp2pPatchError } from './errors.js'

/**
 * How often the DHT tags the peers closest to this node in the peer store. kad-dht redoes it every 5 s: it
 * compares the closest set with the last by PeerIds turned into strings and back (base58, each way) and
 * merges changed tags into the peer store, 3 % of an idle node's CPU samples at N = 30, a tenth of some
 * members'. The tags only order libp2p's own pruning at its connection ceiling (the keep-alive ones are
 * dropped, `withoutKeepAlive` in create-libp2p.ts; the peer mesh decides whom a node keeps), so a minute is soon
 * enough.
 */
export const CLOSE_TAGS_INTERVAL_MS = 60_000

/** What {@link withCloseTagsEvery} sets of kad-dht's closest-peer tagger (not configurable through `kadDHT()`). */
interface ClosestPeerTagger {
  refreshInterval: number
}

/**
 * Wraps the DHT factory so its closest-peer tagger runs every `intervalMs` (it reads the interval when the
 * node starts). Throws when a kad-dht release no longer has the tagger where this looks for it, so an upgrade
 * cannot bring the 5 s back unnoticed.
 */
export function withCloseTagsEvery<C, S>(
  intervalMs: number,
  factory: (components: C) => S,
): (components: C) => S {
  return (components) => {
    const dht = factory(components)
    const tagger = (dht as { routingTable?: { closestPeerTagger?: Partial<ClosestPeerTagger> } }).routingTable
      ?.closestPeerTagger
    if (typeof tagger?.refreshInterval !== 'number') {
      throw new Libp2pPatchError("kad-dht's closest-peer tagger is not where withCloseTagsEvery looks for it")
    }
    tagger.refreshInterval = intervalMs
    return dht
  }
}
