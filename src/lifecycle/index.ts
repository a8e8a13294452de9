/**
 * @packageDocumentation
 * What every part of a node shares at the composition root: one injected {@link Clock} and one
 * {@link Startable} shape for everything that starts and stops, driven by a {@link Lifecycle}.
 *
 * @example
 * ```ts
 * const lifecycle = new Lifecycle()
 * const negotiations = await lifecycle.start(new NegotiationService({ clock: systemClock, ... }, init))
 * await lifecycle.stop() // in reverse order
 * ```
 */
export { type Clock, systemClock } from './clock.js'
export {
  exposedFullCollection,
  type FullCollection,
  IdleHeapRelease,
  type IdleHeapReleaseInit,
} from './idle-heap-release.js'
export { PacedTimer, type TimerFunctions } from './paced-timer.js'
export { Lifecycle, type Startable } from './startable.js'
