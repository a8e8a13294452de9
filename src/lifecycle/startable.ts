/**
 * A part of the node with a lifecycle: started once after it is wired, stopped in the reverse order
 * of starting. `stop` is safe to call twice and after a failed start.
 */
export interface Startable {
  start(): Promise<unknown> | unknown
  stop(): Promise<unknown> | unknown
}

/**
 * Starts parts in order and stops the started ones in reverse: a part that failed to start leaves
 * the ones before it running until {@link Lifecycle.stop}.
 */
export class Lifecycle {
  private readonly started: Startable[] = []

  /** Starts `part` and remembers it for {@link Lifecycle.stop}; returns it for chaining into wiring. */
  async start<T extends Startable>(part: T): Promise<T> {
    await part.start()
    this.started.push(part)
    return part
  }

  /** Remembers a part that is already running (or half started) so that {@link Lifecycle.stop} stops it. */
  adopt(part: Pick<Startable, 'stop'>): void {
    this.started.push({ start: () => undefined, stop: () => part.stop() })
  }

  /** Stops every started part, last started first; one part's failure does not keep the others running. */
  async stop(): Promise<void> {
    const errors: unknown[] = []
    for (let part = this.started.pop(); part !== undefined; part = this.started.pop()) {
      try {
        await part.stop()
      } catch (error) {
        errors.push(error)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, 'some parts did not stop cleanly')
  }
}
