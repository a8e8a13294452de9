/**
 * The shared memory between {@link ThreadDigest} and its hashing thread: a control block (doorbell,
 * stop) for the thread, and one ring of bytes per digest with a small header. Positions in a ring
 * run free modulo 2^32 (Int32 in shared memory); the bytes held are their difference.
 */

/** Indexes into the control block (Int32). */
export const CONTROL = { doorbell: 0, stop: 1 } as const
export const CONTROL_INTS = 2

/** Indexes into a ring's header (Int32). */
export const RING = { written: 0, read: 1, state: 2 } as const
export const RING_HEADER_INTS = 3

/** A ring's state: bytes may still come, all came (hash and answer), or nobody waits for the hash. */
export const STATE = { open: 0, final: 1, abandoned: 2 } as const

/** Main thread to hashing thread: a new digest's ring. */
export interface RingOpened {
  readonly id: number
  readonly header: SharedArrayBuffer
  readonly bytes: SharedArrayBuffer
}

/** Hashing thread to main thread: the hex SHA-256 of everything a final ring held. */
export interface HashResult {
  readonly id: number
  readonly hex: string
}
