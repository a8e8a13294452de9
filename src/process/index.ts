/**
 * @packageDocumentation
 * The process skeleton negotiations, transfers and duties share: a record per process, a lock per
 * process, each step stored with its audit entry and outgoing messages in one batch, an outbox that
 * delivers them and re-delivers after a restart, and waiting for a state ({@link ProcessStore});
 * for DSP processes (negotiations, transfers) every move checked against the kind's state table,
 * local ends included, and the peer's ACKs and silence taken in ({@link ProcessManager}).
 *
 * @example
 * ```ts
 * const manager = new ProcessManager(components, { table: NEGOTIATION_TABLE, workOf: negotiationWorkOf, ... })
 * await manager.withLock(id, () => manager.processes.commit(manager.move(n, 'FINALIZED', 'provider'), 'negotiation.finalized'))
 * ```
 */

export {
  type DspProcess,
  type ProcessComponents,
  type ProcessKind,
  ProcessManager,
  type ProcessMessenger,
} from './process-manager.js'
export {
  lastReason,
  type ProcessRoute,
  type ProcessStep,
  routeOf,
  type SteppedRecord,
  withStep,
} from './process-steps.js'
export { type DeliveryInit, type OpeningWait, ProcessStore, type ProcessStoreInit } from './process-store.js'
export {
  allowedMoves,
  couldHaveReached,
  isFinal,
  localEnd,
  movesOf,
  PROCESS_INITIAL,
  type ProcessRole,
  type StateTable,
  type Transition,
  transition,
} from './state-table.js'
