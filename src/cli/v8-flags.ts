import { setFlagsFromString } from 'node:v8'
/**
 * The V8 flags `allmende` runs with: the bin's first line carries the same (a test keeps them equal), and
 * `start --detach`, the container and the scale bench start nodes with them. A young generation of at most
 * 4 MiB per half instead of Node's 16 keeps a node's resident memory about a third lower (measured with
 * 900 cached datasets and 1 MiB: 144 MB to 100 MB); a node's work is request and answer, whose garbage dies
 * young. V8 starts the young generation small and grows it only while much of it survives, so 4 MiB costs an
 * idle node nothing over 1 MiB, and a busy one collects less often: in the scale bench (N = 30, every second
 * node with 1 MiB, same run) members used 0.88x the CPU until admitted and 0.83x at idle, with the same
 * median RSS of 86 MiB (8 MiB: 0.93x the CPU of 4 and 2 MiB more). `--expose-gc` lets `start` give an idle
 * node's old garbage back (`src/lifecycle/idle-heap-release.ts`).
 */
export const V8_FLAGS: readonly string[] = ['--max-semi-space-size=4', '--expose-gc']

/**
 * V8 flags the bin sets as it starts (`setRuntimeV8Flags`), before it compiles the command: the bin's first line
 * has no room for them (it is 108 bytes, and Linux before 5.1 cuts a first line at 127). `--interrupt-budget`
 * four times V8's 132 KiB: a function runs four times as much bytecode before V8 counts it hot and compiles it
 * with TurboFan, its optimizing compiler. A node's start-up and idle hours run much code just often enough for
 * that; its hot paths (hashing, Noise, canonicalization) are still compiled within their first milliseconds.
 * Scale bench, N = 30, every second node with it: members 0.77x to 0.91x the CPU until admitted and 0.77x to
 * 0.93x at idle (decision record spec/decisions/2026-12-07-interrupt-budget.md).
 */
export const RUNTIME_V8_FLAGS: readonly string[] = ['--interrupt-budget=540672']

/** The flag's name: `--interrupt-budget=540672` → `--interrupt-budget` (V8 reads `_` and `-` alike). */
function flagName(flag: string): string {
  return flag.split('=')[0]!.replaceAll('_', '-')
}

/**
 * Sets {@link RUNTIME_V8_FLAGS} in this process (every worker thread shares them), except those an operator gave
 * node on its command line: theirs stay. (Node refuses these flags in `NODE_OPTIONS`.)
 */
export function setRuntimeV8Flags(execArgv: readonly string[] = process.execArgv): void {
  const given = new Set(execArgv.map(flagName))
  for (const flag of RUNTIME_V8_FLAGS) if (!given.has(flagName(flag))) setFlagsFromString(flag)
}

/**
 * The glibc allocator setting `allmende` runs with, in the same places as {@link V8_FLAGS}. glibc raises the
 * size from which it maps a block of its own after every such block freed, so V8's large parser and compiler
 * buffers of the start-up then came from the main heap, and a heap shrinks only from its top: 10 MiB of it
 * stayed resident in an idle node. With the threshold fixed at 128 KiB it is 4.4 MiB (one node alone: 84 to
 * 77 MiB resident). Ignored by other C libraries.
 */
export const GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072'

/** `env` with {@link GLIBC_TUNABLES} added; an operator's own threshold stays. */
export function withAllocatorTunables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const own = env.GLIBC_TUNABLES
  if (own?.includes('glibc.malloc.mmap_threshold=')) return env
  return {
    ...env,
    GLIBC_TUNABLES: own === undefined || own === '' ? GLIBC_TUNABLES : `${own}:${GLIBC_TUNABLES}`,
  }
}
