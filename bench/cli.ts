// bench/cli: wall time of `allmende --help`, `allmende negotiate --help` and `allmende status`
// (against a running node), interleaved with `node -e ''` (the yardstick) in the same run, and
// for status a second yardstick: a bare node:http GET of the same API route in a fresh process.
// Goal: help and status answer in under 300 ms.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliPath } from '../test/support/repo.js'
import { benchDir } from './support/temp-dir.js'

const cli = cliPath()
const RUNS = 15
const GOAL_MS = 300

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

function timed(args: string[]): number {
  const start = process.hrtime.bigint()
  const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`)
  return Number(process.hrtime.bigint() - start) / 1e6
}

const dir = join(benchDir('allmende-bench-cli-'), 'node')
spawnSync(process.execPath, [cli, 'init', '--dir', dir, '--name', 'Bench'], { stdio: 'ignore' })
const node = spawn(process.execPath, [cli, 'start', '--dir', dir], {
  stdio: ['ignore', 'pipe', 'ignore'],
  env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
})
await new Promise<void>((resolve) => {
  let out = ''
  node.stdout.on('data', (d) => {
    out += d
    if (out.includes('ready ')) resolve()
  })
})

const { url } = JSON.parse(readFileSync(join(dir, 'api.json'), 'utf8')) as { url: string }
const token = readFileSync(join(dir, 'api-token'), 'utf8').trim()
const bareGet = `require('node:http').get(${JSON.stringify(`${url}/api/v1/identity`)}, { headers: { authorization: 'Bearer ${token}' } }, (r) => r.resume().on('end', () => {}))`

const cases: Record<string, string[]> = {
  "node -e ''": ['-e', ''],
  'node -e <http GET identity>': ['-e', bareGet],
  'allmende --help': [cli, '--help'],
  'allmende negotiate --help': [cli, 'negotiate', '--help'],
  'allmende status': [cli, 'status', '--dir', dir],
}
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]))
// Interleaved, so load on the machine hits every case alike.
for (let i = 0; i < RUNS; i++)
  for (const [name, args] of Object.entries(cases)) times[name]!.push(timed(args))
node.kill('SIGTERM')

const yardstick = median(times["node -e ''"]!)
console.log(`median of ${RUNS} runs each, interleaved; yardstick node -e '' = ${yardstick.toFixed(0)} ms`)
for (const [name, values] of Object.entries(times)) {
  const ms = median(values)
  const verdict = name.startsWith('node')
    ? ''
    : ms < GOAL_MS
      ? `  goal < ${GOAL_MS} ms: met`
      : `  goal < ${GOAL_MS} ms: MISSED`
  console.log(
    `${name.padEnd(28)} ${ms.toFixed(0).padStart(5)} ms  ${(ms / yardstick).toFixed(2)} x node -e ''  (+${(ms - yardstick).toFixed(0)} ms)${verdict}`,
  )
}
