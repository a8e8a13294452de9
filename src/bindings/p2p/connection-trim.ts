/** One connection as the trim sees it. */
export interface TrimCandidate<C = unknown> {
  /** What the caller closes. */
  readonly connection: C
  /** This node dialled it. */
  readonly outbound: boolean
  /** When it was opened (ms). */
  readonly openedAt: number
  /** When both sides had admitted each other on it (ms), undefined while its handshake runs. */
  readonly admittedAt: number | undefined
  /** It carries an Allmende request (a catalog, a negotiation, a transfer). */
  readonly busy: boolean
}

/** How long an admitted connection stays before it may be trimmed: one opened for a request may not have its stream open yet. */
export const TRIM_GRACE_MS = 10_000

/**
 * An inbound connection takes a place once it is this old: most young ones are another member's request (a
 * refreshed search asks every provider on a connection of its own and closes it after the answer), and with
 * a place each closed a settled connection of the provider's (at N = 30 one refreshed search had the other
 * nodes close 16 to 27 connections).
 */
export const INBOUND_TAKES_PLACE_MS = 2_000

/**
 * The connections to close so that no more than `limit` stay, out of `candidates` (connections to members
 * that are no anchors). Every candidate but a young inbound one ({@link INBOUND_TAKES_PLACE_MS}) takes a
 * place, but only one admitted at least `graceMs` before `now` and carrying no request is closed: a handshake
 * under way is admission's to end, and closing it would waste the credential checks both sides have started.
 * Connections this node dialled go first, then the ones dialled to it, the newest first within each: the peer
 * at the other end of a connection we dialled only accepted it and most likely has peers enough, while a peer
 * that dialled us did so because it had too few, and losing the connection sends it to dial (and pass
 * admission with) the next member at once.
 */
export function connectionsToTrim<C>(
  candidates: readonly TrimCandidate<C>[],
  limit: number,
  now: number,
  graceMs = TRIM_GRACE_MS,
): C[] {
  const placed = candidates.filter((c) => c.outbound || now - c.openedAt >= INBOUND_TAKES_PLACE_MS)
  const excess = placed.length - limit
  if (excess <= 0) return []
  return placed
    .filter((c) => !c.busy && c.admittedAt !== undefined && now - c.admittedAt >= graceMs)
    .sort((a, b) => Number(b.outbound) - Number(a.outbound) || b.admittedAt! - a.admittedAt!)
    .slice(0, excess)
    .map((c) => c.connection)
}
