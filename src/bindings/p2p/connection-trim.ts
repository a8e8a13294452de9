/** One connection as the trim sees it. */
export interface TrimCandidate<C = unknown> {
  /** What the caller closes. */
  readonly connection: C
  /** This node dialled it. */
  readonly outbound: boolean
  /** When both sides had admitted each other on it (ms), undefined while its handshake runs. */
  readonly admittedAt: number | undefined
  /** It carries an Allmende request (a catalog, a negotiation, a transfer). */
  readonly busy: boolean
  /**
   * When a request this node opened on it last ended (ms): the stream the grace waits for was opened, so from
   * then a shorter grace ({@link SERVED_GRACE_MS}) holds it, for the next message of the same exchange.
   */
  readonly servedAt?: number
}

/** How long an admitted connection stays before it may be trimmed: one opened for a request may not have its stream open yet. */
export const TRIM_GRACE_MS = 10_000
/**
 * How long a connection stays after a request of this node on it ended: long enough for the next message of a
 * negotiation or a transfer, short enough that a refreshed search across a hundred providers does not hold a
 * connection to each of them for {@link TRIM_GRACE_MS}.
 */
export const SERVED_GRACE_MS = 2_000

/**
 * The connections to close so that no more than `limit` stay, out of `candidates` (connections to members
 * that are no anchors). Every candidate takes a place, but only one admitted at least `graceMs` before `now`
 * and carrying no request is closed: a handshake under way is admission's to end, and closing it would waste
 * the credential checks both sides have started. Connections this node dialled go first, then the ones dialled
 * to it, the newest first within each: the peer at the other end of a connection we dialled only accepted it
 * and most likely has peers enough, while a peer that dialled us did so because it had too few, and losing the
 * connection sends it to dial (and pass admission with) the next member at once.
 */
export function connectionsToTrim<C>(
  candidates: readonly TrimCandidate<C>[],
  limit: number,
  now: number,
  graceMs = TRIM_GRACE_MS,
): C[] {
  const excess = candidates.length - limit
  if (excess <= 0) return []
  const graceOver = (c: TrimCandidate<C>) =>
    now - c.admittedAt! >= graceMs ||
    (c.servedAt !== undefined && now - c.servedAt >= Math.min(graceMs, SERVED_GRACE_MS))
  return candidates
    .filter((c) => !c.busy && c.admittedAt !== undefined && graceOver(c))
    .sort((a, b) => Number(b.outbound) - Number(a.outbound) || b.admittedAt! - a.admittedAt!)
    .slice(0, excess)
    .map((c) => c.connection)
}
