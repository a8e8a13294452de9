/**
 * A library loaded by dynamic `import()` on its first use and shared by every later call. A node then starts
 * without the libraries only some requests need (the JSON-LD and credential stack, JWTs): each costs tens of
 * milliseconds of CPU to load, which a hundred nodes on one machine pay at every start (bench/startup). A
 * failed load is not kept, so the next call tries again.
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined
      throw error
    })
    return loading
  }
}
