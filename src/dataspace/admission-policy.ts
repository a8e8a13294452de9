/**
 * Outcome of checking one peer. A refusal carries what this node logs (`reason`), what the peer is told
 * (`told`: never the data space id or anything else a stranger should not learn), and how long the
 * peer is refused before it may try again (`retryAfterMs`). An `undecided` refusal is no judgement on
 * the peer (a status list that could not be had): only this connection is refused.
 */
export type AdmissionVerdict =
  | { admitted: true; name?: string }
  | { admitted: false; reason: string; told?: string; retryAfterMs?: number; undecided?: true }

/**
 * Who may join this node's data space: the proof this node shows for a peer's nonce, and the check of
 * what a peer (named by its did:key) showed for ours. The network's admission gate asks it on every
 * connection; the foundation compares data space ids, membership credentials plug in here.
 */
export interface AdmissionPolicy {
  readonly dataspace: string
  proofFor(peerNonce: string): Promise<unknown>
  check(
    peer: string,
    shown: { dataspace: string; proof: unknown },
    ourNonce: string,
  ): Promise<AdmissionVerdict>
}

/** The foundation's policy: a peer is admitted when it announces the same data space id. */
export function sameDataspacePolicy(dataspace: string): AdmissionPolicy {
  return {
    dataspace,
    proofFor: async () => null,
    check: async (_peer, shown) =>
      shown.dataspace === dataspace
        ? { admitted: true }
        : { admitted: false, reason: `it belongs to data space "${shown.dataspace}", not "${dataspace}"` },
  }
}

/**
 * A refusal of this connection only, for a policy that could not decide (e.g. a status list it could not
 * fetch): the peer is not denied, and a later connection is checked anew.
 */
export function undecidedVerdict(reason: string): AdmissionVerdict {
  return { admitted: false, reason, undecided: true }
}
