/**
 * The V8 flags `allmende` runs with: the bin's first line carries the same (a test keeps them equal), and
 * `start --detach`, the container and the scale bench start nodes with them. A young generation of at most
 * 1 MiB per half instead of Node's 16 keeps a node's resident memory about a third lower (measured with
 * 900 cached datasets: 144 MB to 100 MB); a node's work is request and answer, whose garbage dies young.
 * `--expose-gc` lets `start` give an idle node's old garbage back (`src/lifecycle/idle-heap-release.ts`).
 */
export const V8_FLAGS: readonly string[] = ['--max-semi-space-size=1', '--expose-gc']
