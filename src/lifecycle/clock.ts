/**
 * Where every part of a node reads the time. The composition root injects one clock into all of
 * them, so a test can move a node past a time window instead of sleeping through it. Timers that
 * measure real waiting (handshake deadlines, backoffs, cache lifetimes, ID token lifetimes checked
 * by another node) keep the machine's clock: a test clock standing still must not stop them.
 */
export type Clock = () => Date

/** The machine's clock. */
export const systemClock: Clock = () => new Date()
