// bench/startup: one `allmende start` of an initialised node: wall time to its `ready` line, the CPU
// (user + sys) it spent until then, and its resident memory (RSS and PSS) after BENCH_IDLE_SECONDS (30)
// idle. Yardstick, measured in the same run and alternating with the node: `node -e ''` for time and CPU,
// and an idle `node` (a timer, nothing loaded) for memory. Both run with the V8 flags `allmende` runs with.
// BENCH_CLI=PATH measures another build's command (e.g. the previous commit's, or this build's unbundled
// `dist/src/cli/main.js`) with the same yardstick. BENCH_OTHER_CLI=PATH starts another build's command in turn
// with this one (noop, this, other, noop, other, this, …), so both builds meet the same load. BENCH_MEMBER=1 starts a member
// of a data space (a descriptor signed by an anchor that is not running, and the anchor's endorsement) instead
// of a node of its own, like the scale bench's members.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { V8_FLAGS, withAllocatorTunables } from '../src/cli/v8-flags.js'
import { initNode, openNode } from '../src/config/index.js'
import { adoptDescriptor, createDescriptor, openOfflineRegistry } from '../src/dataspace/index.js'
import { cliPath } from '../test/support/repo.js'
import { benchDir } from './support/temp-dir.js'

const cli = process.env.BENCH_CLI ?? cliPath()
const otherCli = process.env.BENCH_OTHER_CLI
const RUNS = Number(process.env.BENCH_RUNS ?? 7)
const IDLE_MS = Number(process.env.BENCH_IDLE_SECONDS ?? 30) * 1000
const MEMBER = process.env.BENCH_MEMBER === '1'

interface Start {
  readonly readyMs: number
  readonly cpuMs: number
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** CPU (user + sys) a live process has spent so far, from /proc (clock ticks of 10 ms). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

/** Resident (RSS) and proportional (PSS: shared pages split among their users) memory of a live process. */
function memoryOf(pid: number): { rssMiB: number; pssMiB: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0)
  return { rssMiB: kib('Rss') / 1024, pssMiB: kib('Pss') / 1024 }
}

let childrenSeen = 0
/** CPU (user + sys) of the children this process waited for since the last call, from /proc (cutime, cstime). */
function childrenCpuMs(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ')
  const total = (Number(fields[13]) + Number(fields[14])) * 10
  const since = total - childrenSeen
  childrenSeen = total
  return since
}

/** `node -e ''` from spawn to exit, and the CPU its whole life took. */
function nodeNoop(): Start {
  const start = process.hrtime.bigint()
  spawnSync(process.execPath, [...V8_FLAGS, '-e', ''])
  return { readyMs: Number(process.hrtime.bigint() - start) / 1e6, cpuMs: childrenCpuMs() }
}

/** Spawns `args`, waits until `isReady(stdout so far)`, measures, idles `idleMs`, measures memory, ends it. */
function measure(
  args: readonly string[],
  isReady: (out: string) => boolean,
  idleMs: number,
): Promise<Start & { rssMiB: number; pssMiB: number }> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint()
    const child = spawn(process.execPath, [...V8_FLAGS, ...args], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: withAllocatorTunables({ ...process.env, ALLMENDE_LOG_LEVEL: 'warn' }),
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (!isReady(out)) return
      out = ''
      const readyMs = Number(process.hrtime.bigint() - start) / 1e6
      const cpuMs = cpuMsOf(child.pid!)
      setTimeout(() => {
        const memory = memoryOf(child.pid!)
        child.on('exit', () => {
          childrenCpuMs()
          resolve({ readyMs, cpuMs, ...memory })
        })
        child.kill('SIGTERM')
      }, idleMs)
    })
    child.on('error', reject)
  })
}

/** A member's directory: its anchor signed the descriptor and endorsed it, and stays stopped. */
async function memberDir(root: string): Promise<string> {
  const anchor = await initNode(join(root, 'anchor'), { name: 'Anker' })
  const member = await initNode(join(root, 'node'), { name: 'Bench' })
  const descriptor = await createDescriptor({
    title: 'Startup',
    anchors: [anchor.key],
    endorsementsRequired: 1,
    bootstrap: [`${anchor.config.listen[0]}/p2p/${anchor.key.peerId.toString()}`],
  })
  for (const files of [anchor, member]) await adoptDescriptor(files.directory, descriptor)
  const opened = await openNode(anchor.directory.root)
  const registry = await openOfflineRegistry(opened.directory, opened.config, opened.key)
  try {
    await registry.registry.endorse(member.key.did)
  } finally {
    await registry.close()
  }
  return member.directory.root
}

const root = benchDir('allmende-bench-')
let dir = join(root, 'node')
if (MEMBER) dir = await memberDir(root)
else spawnSync(process.execPath, [cli, 'init', '--dir', dir, '--name', 'Bench'], { stdio: 'ignore' })
childrenCpuMs()

const noop: Start[] = []
const starts: Start[] = []
const otherStarts: Start[] = []
const isReady = (out: string) => out.includes('ready ')
for (let i = 0; i < RUNS; i++) {
  noop.push(nodeNoop())
  // Which build starts first alternates, so neither always follows the yardstick.
  const order: [string, Start[]][] = [[cli, starts]]
  if (otherCli !== undefined) order[i % 2 === 0 ? 'push' : 'unshift']([otherCli, otherStarts])
  for (const [command, into] of order) into.push(await measure([command, 'start', '--dir', dir], isReady, 0))
}
const idleNode = await measure(
  ['-e', "console.log('ready'); setInterval(() => {}, 1e9)"],
  (out) => out.includes('ready'),
  IDLE_MS,
)
const idleAllmende = await measure([cli, 'start', '--dir', dir], (out) => out.includes('ready '), IDLE_MS)

const figure = (values: readonly Start[], key: keyof Start) => median(values.map((s) => s[key]))
const [noopMs, noopCpu] = [figure(noop, 'readyMs'), figure(noop, 'cpuMs')]
const [readyMs, cpuMs] = [figure(starts, 'readyMs'), figure(starts, 'cpuMs')]
const [load1] = readFileSync('/proc/loadavg', 'utf8').split(' ')
console.log(
  `load average (1 min) ${load1}; medians over ${RUNS} runs, V8 flags ${V8_FLAGS.join(' ')}${MEMBER ? '; a data space member' : ''}`,
)
console.log(`node -e '' (yardstick):      ${noopMs.toFixed(0)} ms to exit, ${noopCpu.toFixed(0)} ms CPU`)
console.log(
  `allmende start -> ready:      ${readyMs.toFixed(0)} ms (${(readyMs / noopMs).toFixed(1)}x), ${cpuMs.toFixed(0)} ms CPU (${(cpuMs / noopCpu).toFixed(1)}x)  [goal < 1500 ms: ${readyMs < 1500 ? 'met' : 'MISSED'}]`,
)
const other =
  otherCli === undefined
    ? undefined
    : { readyMs: figure(otherStarts, 'readyMs'), cpuMs: figure(otherStarts, 'cpuMs') }
if (other !== undefined) {
  console.log(
    `other build (${otherCli}) -> ready: ${other.readyMs.toFixed(0)} ms, ${other.cpuMs.toFixed(0)} ms CPU (${(other.cpuMs / noopCpu).toFixed(1)}x); this build's CPU is ${(cpuMs / other.cpuMs).toFixed(2)}x the other's`,
  )
}
console.log(
  `idle node (yardstick) after ${IDLE_MS / 1000} s: RSS ${idleNode.rssMiB.toFixed(0)} MiB, PSS ${idleNode.pssMiB.toFixed(0)} MiB`,
)
console.log(
  `allmende idle after ${IDLE_MS / 1000} s:       RSS ${idleAllmende.rssMiB.toFixed(0)} MiB (${(idleAllmende.rssMiB / idleNode.rssMiB).toFixed(1)}x), PSS ${idleAllmende.pssMiB.toFixed(0)} MiB  [goal < 100 MB: ${idleAllmende.rssMiB * 1.048576 < 100 ? 'met' : 'MISSED'}]`,
)
console.log(
  `result ${JSON.stringify({ load1: Number(load1), member: MEMBER, noopMs, noopCpuMs: noopCpu, readyMs, cpuMs, ...(other === undefined ? {} : { other }), idleNode, idleAllmende })}`,
)
