// Cost of checking every LevelDB checksum before a store opens: Store.open (checks, then opens)
// against a bare classic-level open of the same database, interleaved, in the same run. Writes are
// not affected (the check reads files at open only); the audit bench shows the signed head's cost.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { Level } from 'level'
import { Store, verifyLevelFiles } from '../src/store/index.js'

const N = Number(process.env.STORE_BENCH_N ?? 50_000)
const ROUNDS = 7
const root = await mkdtemp(join(tmpdir(), 'allmende-bench-store-'))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

try {
  const dir = join(root, 'db')
  const store = await Store.open(dir)
  const sub = store.sublevel<Record<string, unknown>>('negotiations')
  for (let i = 0; i < N; i += 500) {
    await store.atomic(
      Array.from({ length: 500 }, (_, j) => ({
        type: 'put' as const,
        sublevel: sub,
        key: `urn:uuid:negotiation-${i + j}`,
        value: {
          id: i + j,
          state: 'FINALIZED',
          history: ['REQUESTED', 'OFFERED', 'AGREED'],
          note: randomBytes(100).toString('hex'),
        },
      })),
    )
  }
  await store.close()
  // Once more open and closed, so the write-ahead log is a table as after a restart.
  await (await Store.open(dir)).close()
  const checked: number[] = []
  const bare: number[] = []
  const { bytes } = await verifyLevelFiles(dir)
  for (let round = 0; round < ROUNDS; round++) {
    let start = performance.now()
    const db = new Level(dir)
    await db.open()
    await db.close()
    bare.push(performance.now() - start)
    start = performance.now()
    const opened = await Store.open(dir)
    await opened.close()
    checked.push(performance.now() - start)
  }
  const c = median(checked)
  const b = median(bare)
  console.log(`records: ${N}, database files checked: ${(bytes / 1e6).toFixed(1)} MB`)
  console.log(`open without checks (bare classic-level): ${b.toFixed(1)} ms (yardstick)`)
  console.log(`open with every checksum checked: ${c.toFixed(1)} ms = ${(c / b).toFixed(1)}x the bare open`)
  console.log(`checking speed: ${(bytes / 1e6 / ((c - b) / 1000)).toFixed(0)} MB/s`)
} finally {
  await rm(root, { recursive: true, force: true })
}
