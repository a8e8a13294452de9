import type { PeerId } from '@libp2p/interface'
import { peerIdFromDidKey } from '../identity/index.js'
import type { DataspaceService } from './dataspace-service.js'
import { descriptorBootstrap } from './node-dataspace.js'

/** How widely a node reaches out for peers, as its membership stands now. */
export interface Reach {
  /** Not (yet, or no longer) a member: it dials nothing but the anchors. */
  readonly outsider: boolean
  /** Longest pause between two dials of one peer, ms. */
  readonly maxBackoffMs: number
  /** PeerIds of the data space's anchors. */
  readonly anchors: readonly string[]
  /**
   * Anchors the node keeps in reach at once: an anchor all the others (they hand each other revocation lists),
   * any other node as many as its credentials need (the endorsements the descriptor requires).
   */
  readonly anchorsWanted: number
}

/** A member (or a node without a descriptor) redials a peer at least twice a minute. */
const MEMBER_BACKOFF_MS = 30_000

/**
 * The anchors' PeerIds by descriptor: the mesh asks for its reach several times a tick, and decoding every
 * anchor's did:key each time was a few per cent of a member's CPU at N = 100 (a newer descriptor is a new object).
 */
const anchorPeerIds = new WeakMap<object, readonly string[]>()

function anchorsOf(descriptor: { readonly trustAnchor: readonly string[] }): readonly string[] {
  let anchors = anchorPeerIds.get(descriptor)
  if (anchors === undefined) {
    anchors = descriptor.trustAnchor.flatMap((did) => {
      try {
        return [peerIdFromDidKey(did).toString()]
      } catch {
        return []
      }
    })
    anchorPeerIds.set(descriptor, anchors)
  }
  return anchors
}

/**
 * Where a node starts looking for peers: the bootstrap addresses of its config and of its data
 * space's current descriptor, once each, never its own.
 */
export function bootstrapAddresses(
  configured: readonly string[],
  dataspace: Pick<DataspaceService, 'descriptor'> | undefined,
  self: PeerId,
): string[] {
  if (dataspace === undefined) return [...configured]
  return [...new Set([...configured, ...descriptorBootstrap(dataspace.descriptor, self)])]
}

/**
 * How a node reaches out as its membership stands: a revoked node asks only the anchors, once a
 * membership refresh period; one not endorsed yet asks them twice a minute; a member reaches
 * everyone. `refreshMs` is the membership refresh period.
 */
export function reachOf(
  dataspace: Pick<DataspaceService, 'descriptor' | 'standing'> | undefined,
  refreshMs: number,
): Reach {
  const state = dataspace?.standing?.state
  const anchors = dataspace === undefined ? [] : anchorsOf(dataspace.descriptor)
  const anchorsWanted =
    state === 'anchor'
      ? anchors.length
      : Math.min(anchors.length, dataspace?.descriptor.endorsementsRequired ?? 1)
  if (state === 'revoked') return { outsider: true, maxBackoffMs: refreshMs, anchors, anchorsWanted }
  if (state === 'not-endorsed')
    return { outsider: true, maxBackoffMs: MEMBER_BACKOFF_MS, anchors, anchorsWanted }
  return { outsider: false, maxBackoffMs: MEMBER_BACKOFF_MS, anchors, anchorsWanted }
}
