// Node 20 lacks Promise.withResolvers (Node 22 has it); libp2p, yamux, noise, kad-dht and gossipsub call it.
// Imported for its side effect at the entry points (CLI, connector), before any libp2p code runs.
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value<T>() {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => {
        resolve = res
        reject = rej
      })
      return { promise, resolve, reject }
    },
  })
}

export {}
