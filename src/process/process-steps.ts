/** One step of a process's history, with the reason when there is one. */
export interface ProcessStep<S extends string> {
  readonly state: S
  readonly at: string
  readonly code?: string
  readonly reason?: string
}

/** A process record: its state and the history of how it got there. */
export interface SteppedRecord<S extends string> {
  readonly state: S
  readonly history: readonly ProcessStep<S>[]
  readonly updated: string
}

/** `record` after a step to `state` at `at`: state, history and `updated` move together. */
export function withStep<S extends string, R extends SteppedRecord<S>>(
  record: R,
  state: S,
  at: string,
  code?: string,
  reason?: string,
): R {
  const step: ProcessStep<S> = {
    state,
    at,
    ...(code === undefined ? {} : { code }),
    ...(reason === undefined ? {} : { reason }),
  }
  return { ...record, state, history: [...record.history, step], updated: at }
}

/** The code and reason of the last step, if it has them (for its audit entry). */
export function lastReason(history: readonly ProcessStep<string>[]): { code?: string; reason?: string } {
  const step = history.at(-1)
  return {
    ...(step?.code === undefined ? {} : { code: step.code }),
    ...(step?.reason === undefined ? {} : { reason: step.reason }),
  }
}

/** Where a process's messages go when its peer gave an address of its own: there, to the other role. */
export interface ProcessRoute {
  readonly callbackAddress: string
  readonly recipient: 'provider' | 'consumer'
}

/** The route of a process with a peer reached at its `callbackAddress`; none for a libp2p peer. */
export function routeOf(process: {
  readonly callbackAddress?: string
  readonly role: 'provider' | 'consumer'
}): ProcessRoute | undefined {
  if (process.callbackAddress === undefined) return undefined
  return {
    callbackAddress: process.callbackAddress,
    recipient: process.role === 'provider' ? 'consumer' : 'provider',
  }
}
