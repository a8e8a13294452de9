// The command runs as one CommonJS script (dist/bundle/allmende.cjs, scripts/bundle.ts) compiled with V8's code
// cache: the bytecode of the functions a start compiled, kept from an earlier start, so the next one deserializes
// instead of parsing and compiling the bundle again. Node 20 has no code cache for ES modules (Node 22's
// `module.enableCompileCache()` is one), and a hundred nodes on one machine pay every start's compile together.
// Measured with bench/startup against the ES module bundle (alternating, BENCH_MEMBER=1): see the decision
// record spec/decisions/2026-12-07-code-cache.md.
import { createHash } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import Module, { createRequire } from 'node:module'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { Script, constants as vmConstants } from 'node:vm'
import { RUNTIME_V8_FLAGS } from './v8-flags.js'

/** Where the launcher leaves the cache's writer for `start` (the bundle and the launcher are separate scripts). */
const WRITE_CACHE = Symbol.for('allmende.codeCache.write')

/** Caches of other builds or Node versions not rewritten for this long are removed when a cache is written. */
const STALE_CACHE_MS = 7 * 24 * 3600_000

interface CodeCacheSlot {
  [WRITE_CACHE]?: () => void
}

/**
 * The folder the code cache lives in: `ALLMENDE_CODE_CACHE` (a folder, or `off`), else the user's cache folder
 * (`$XDG_CACHE_HOME/allmende`, `~/.cache/allmende`). Every node of one user on one machine shares it.
 */
export function codeCacheFolder(env: NodeJS.ProcessEnv): string | undefined {
  const setting = env.ALLMENDE_CODE_CACHE
  if (setting === 'off') return undefined
  if (setting !== undefined && setting !== '') return setting
  const base =
    env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== ''
      ? env.XDG_CACHE_HOME
      : join(homedir(), '.cache')
  return join(base, 'allmende')
}

/**
 * Whether code read from `folder` can be trusted as this user's own: the folder belongs to this user and no one
 * else may write in it. Bytecode from a cache runs unchecked, so a folder others can write would let them run
 * code in the node.
 */
function ownFolder(folder: string): boolean {
  try {
    const stat = statSync(folder)
    return stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0
  } catch {
    return false
  }
}

/**
 * The cache file of this bundle, Node and flags: V8 rejects a cache of another V8 or other flags itself, but
 * checks only the source's length, so the bundle's content hash (`bundleId`, from the build) names the file.
 * The flags are node's and the ones the bin sets ({@link RUNTIME_V8_FLAGS}): two builds of one bundle with other
 * runtime flags would otherwise reject and rewrite each other's cache.
 */
export function cacheFileName(bundleId: string): string {
  const given = [...process.execArgv, ...RUNTIME_V8_FLAGS].join(' ')
  const flags = createHash('sha256').update(given).digest('base64url').slice(0, 12)
  return `${bundleId}-${process.version}-${process.arch}-${flags}.v8cache`
}

/**
 * How a bundle was compiled: from its cache, without one (none there, or the cache is `off`), or anew because V8
 * rejected the cache (another V8 or flags).
 */
export type BundleCompilation = 'cached' | 'uncached' | 'rejected'

/**
 * Compiles and runs the CommonJS bundle at `bundlePath` with the code cache of its build, if there is one in a
 * folder of this user's. Without one (or with one V8 rejects), `start` writes it once ready ({@link codeCacheReady}).
 */
export function runBundle(
  bundlePath: string,
  bundleId: string,
  env: NodeJS.ProcessEnv = process.env,
): BundleCompilation {
  const folder = codeCacheFolder(env)
  const file = folder === undefined ? undefined : join(folder, cacheFileName(bundleId))
  const cachedData = file !== undefined && ownFolder(folder!) ? readCache(file) : undefined
  const script = new Script(Module.wrap(readFileSync(bundlePath, 'utf8')), {
    filename: bundlePath,
    ...(cachedData === undefined ? {} : { cachedData }),
    // The bundle imports optional ES modules (@libp2p/mdns) from node_modules at run time.
    importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  })
  if (file !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    const replacing = cachedData !== undefined
    ;(globalThis as CodeCacheSlot)[WRITE_CACHE] = () => writeCache(folder!, file, script, replacing)
  }
  const run = script.runInThisContext() as (...args: unknown[]) => void
  const module = { exports: {} }
  run.call(module.exports, module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath))
  if (cachedData === undefined) return 'uncached'
  return script.cachedDataRejected === true ? 'rejected' : 'cached'
}

/**
 * Called by `start` once the node is ready: writes the code cache of what the start compiled, if this process
 * ran without one. Elsewhere (the unbundled build, a cache already there) it does nothing.
 */
export function codeCacheReady(): void {
  const slot = globalThis as CodeCacheSlot
  const write = slot[WRITE_CACHE]
  delete slot[WRITE_CACHE]
  write?.()
}

function readCache(file: string): Buffer | undefined {
  try {
    return readFileSync(file)
  } catch {
    return undefined
  }
}

// A cache is an optimisation: a folder that cannot be made or written leaves the node as it is, without one.
function writeCache(folder: string, file: string, script: Script, replacing: boolean): void {
  try {
    // A hundred nodes started at once all run without a cache: the first one ready writes it for all.
    if (!replacing && existsSync(file)) return
    mkdirSync(folder, { recursive: true, mode: 0o700 })
    if (!ownFolder(folder)) return
    // Written whole under a name of its own, then renamed: a node starting meanwhile reads no half-written cache.
    const partial = `${file}.${process.pid}.partial`
    writeFileSync(partial, script.createCachedData(), { mode: 0o600 })
    renameSync(partial, file)
    removeStaleCaches(folder, file)
  } catch {}
}

function removeStaleCaches(folder: string, current: string): void {
  const now = Date.now()
  for (const name of readdirSync(folder)) {
    const path = join(folder, name)
    if (path === current || !/\.v8cache(\.\d+\.partial)?$/.test(name)) continue
    if (now - statSync(path).mtimeMs > STALE_CACHE_MS) rmSync(path, { force: true })
  }
}
