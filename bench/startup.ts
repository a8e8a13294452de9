// bench/startup: process start -> `ready` line of `allmende start`, and RSS after 10 s idle.
// Yardstick: start time of `node -e ''` measured in the same run.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js')
const RUNS = 7

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function timeNodeNoop(): number {
  const start = process.hrtime.bigint()
  spawnSync(process.execPath, ['-e', ''])
  return Number(process.hrtime.bigint() - start) / 1e6
}

function startUntilReady(dir: string, idleMs: number): Promise<{ readyMs: number; rssMiB: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [cli, 'start', '--dir', dir], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (!out.includes('ready ')) return
      const readyMs = Number(process.hrtime.bigint() - start) / 1e6
      out = ''
      setTimeout(() => {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
        const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0)
        child.kill('SIGTERM')
        child.on('exit', () => resolve({ readyMs, rssMiB: rssKiB / 1024 }))
      }, idleMs)
    })
    child.on('error', reject)
  })
}

const dir = join(mkdtempSync(join(tmpdir(), 'allmende-bench-')), 'node')
spawnSync(process.execPath, [cli, 'init', '--dir', dir, '--name', 'Bench'], { stdio: 'ignore' })

const noop: number[] = []
const ready: number[] = []
for (let i = 0; i < RUNS; i++) {
  noop.push(timeNodeNoop())
  ready.push((await startUntilReady(dir, 0)).readyMs)
}
const { rssMiB } = await startUntilReady(dir, 10_000)
const readyMedian = median(ready)
const noopMedian = median(noop)
console.log(`node -e '' (yardstick):     median ${noopMedian.toFixed(0)} ms over ${RUNS} runs`)
console.log(
  `allmende start -> ready:     median ${readyMedian.toFixed(0)} ms (min ${Math.min(...ready).toFixed(0)}, max ${Math.max(...ready).toFixed(0)}), ${(readyMedian / noopMedian).toFixed(1)}x node -e ''  [goal < 1500 ms: ${readyMedian < 1500 ? 'met' : 'MISSED'}]`,
)
console.log(
  `RSS after 10 s idle:         ${rssMiB.toFixed(0)} MiB  [goal < 150 MB: ${rssMiB * 1.048576 < 150 ? 'met' : 'MISSED'}]`,
)
