// bench/living: a data space that changes while it runs, with real nodes through the CLI.
//  - endorse -> admitted at another member (goal < 5 s), and heal after an anchor restart (goal < 10 s);
//    yardstick: the time one node takes from `allmende start` to `ready`, in the same run.
//  - idle CPU and RSS over 60 s of a revoked node, an unendorsed node and an admitted member (goal: each
//    below 1 % of a core, and the outsiders within 1.5x of the admitted node's); yardsticks in the same
//    window: a bare libp2p node with the same transports and services (bench/support/bare-libp2p.ts) and
//    `node -e 'setInterval(() => {}, 1000)'`.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cliPath } from '../test/support/repo.js'
import { benchDir } from './support/temp-dir.js'
import { startYardstick } from './support/yardstick-process.js'

const here = dirname(fileURLToPath(import.meta.url))
const cli = cliPath()
const root = benchDir('allmende-bench-living-')
const IDLE_MS = 60_000
const TICKS_PER_SECOND = 100 // USER_HZ on Linux

interface Node {
  child: ChildProcess
  api: string
  token: string
}

function cliJson<T>(args: string[]): T {
  const result = spawnSync(process.execPath, [cli, ...args, '--json'], { encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`allmende ${args.join(' ')}: ${result.stderr}`)
  return JSON.parse(result.stdout) as T
}

function dir(name: string): string {
  return join(root, name)
}

function start(name: string): Promise<{ node: Node; readyMs: number }> {
  const began = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'start', '--dir', dir(name)], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ALLMENDE_LOG_LEVEL: 'warn' },
    })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      const match = /ready (\S+)/.exec(out)
      if (match === null) return
      const token = readFileSync(join(dir(name), 'api-token'), 'utf8').trim()
      resolve({ node: { child, api: match[1]!, token }, readyMs: performance.now() - began })
    })
    child.on('error', reject)
  })
}

async function stop(node: Node): Promise<void> {
  const exited = new Promise((resolve) => node.child.once('exit', resolve))
  node.child.kill('SIGTERM')
  await exited
}

async function call<T>(node: Node, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${node.api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${node.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`)
  return (await response.json()) as T
}

async function admits(node: Node, peerId: string): Promise<boolean> {
  const { peers } = await call<{ peers: { peerId: string; admitted: boolean }[] }>(
    node,
    'GET',
    '/api/v1/peers',
  )
  return peers.some((p) => p.peerId === peerId && p.admitted)
}

async function until(check: () => Promise<boolean>, what: string, limitMs = 60_000): Promise<number> {
  const began = performance.now()
  while (performance.now() - began < limitMs) {
    if (await check().catch(() => false)) return performance.now() - began
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${what} did not happen within ${limitMs} ms`)
}

/** CPU seconds (user + system) a process used so far, and its resident memory in MiB. */
function usage(node: { child: ChildProcess }): { cpuSeconds: number; rssMiB: number } {
  const stat = readFileSync(`/proc/${node.child.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  const status = readFileSync(`/proc/${node.child.pid}/status`, 'utf8')
  return {
    cpuSeconds: ticks / TICKS_PER_SECOND,
    rssMiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
  }
}

const names = ['anchor', 'kusel', 'myk', 'revoked', 'outsider']
const ids: Record<string, { did: string; peerId: string }> = {}
for (const name of names) ids[name] = cliJson(['init', '--dir', dir(name), '--name', `Bench ${name}`])
// the default membership refresh (60 s): idle is measured as a node runs, revocation travels by announcement
cliJson(['dataspace', 'create', '--title', 'Bench', '--dir', dir('anchor')])
for (const name of names.slice(1)) {
  cliJson(['dataspace', 'join', '--descriptor', join(dir('anchor'), 'dataspace.json'), '--dir', dir(name)])
}
// kusel and the soon revoked node are members from the start; myk and the outsider start unendorsed
cliJson(['dataspace', 'endorse', ids.kusel!.did, '--dir', dir('anchor')])
cliJson(['dataspace', 'endorse', ids.revoked!.did, '--dir', dir('anchor')])

const nodes: Record<string, Node> = {}
let startMs = 0
for (const name of names) {
  const started = await start(name)
  nodes[name] = started.node
  startMs = Math.max(startMs, started.readyMs)
}
const anchor = () => nodes.anchor!
await until(() => admits(nodes.kusel!, ids.revoked!.peerId), 'the members to admit each other')

// endorse -> admitted at another member
const endorsed = performance.now()
await call(anchor(), 'POST', '/api/v1/dataspace/members', { did: ids.myk!.did })
await until(() => admits(nodes.kusel!, ids.myk!.peerId), 'myk to be admitted by kusel')
const admittedMs = performance.now() - endorsed

// heal after an anchor restart
await stop(anchor())
const restarted = performance.now()
const again = await start('anchor')
nodes.anchor = again.node
const ready = performance.now()
await until(
  async () =>
    (await admits(anchor(), ids.kusel!.peerId)) &&
    (await admits(anchor(), ids.myk!.peerId)) &&
    (await admits(nodes.kusel!, ids.anchor!.peerId)),
  'the anchor and its members to admit each other again',
)
const healedMs = performance.now() - ready
const restartMs = ready - restarted

await call(anchor(), 'DELETE', `/api/v1/dataspace/members/${encodeURIComponent(ids.revoked!.did)}`)
await until(async () => !(await admits(nodes.kusel!, ids.revoked!.peerId)), 'the revoked node to be dropped')
const yardsticks: Record<string, { child: ChildProcess }> = {
  bare: { child: await startYardstick([join(here, 'support', 'bare-libp2p.js')]) },
  timer: { child: await startYardstick(['-e', "console.log('ready'); setInterval(() => {}, 1000)"]) },
}
// settle, then measure idle
await new Promise((resolve) => setTimeout(resolve, 5_000))
const watched: Record<string, { child: ChildProcess }> = {
  myk: nodes.myk!,
  revoked: nodes.revoked!,
  outsider: nodes.outsider!,
  anchor: nodes.anchor!,
  ...yardsticks,
}
const before = Object.fromEntries(Object.entries(watched).map(([name, p]) => [name, usage(p)]))
await new Promise((resolve) => setTimeout(resolve, IDLE_MS))
const after = Object.fromEntries(Object.entries(watched).map(([name, p]) => [name, usage(p)]))
const cpuPercent = (name: string) =>
  ((after[name]!.cpuSeconds - before[name]!.cpuSeconds) / (IDLE_MS / 1000)) * 100

for (const node of Object.values(nodes)) await stop(node)
for (const { child } of Object.values(yardsticks)) {
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  await exited
}

const verdict = (ok: boolean) => (ok ? 'goal met' : 'GOAL MISSED')
console.log(
  `node start -> ready (yardstick):           ${startMs.toFixed(0)} ms (slowest of ${names.length} nodes)`,
)
console.log(
  `endorse -> admitted at another member:      ${admittedMs.toFixed(0)} ms = ${(admittedMs / startMs).toFixed(2)}x a node start; goal < 5000 ms: ${verdict(admittedMs < 5_000)}`,
)
console.log(
  `anchor ready again -> members admitted:     ${healedMs.toFixed(0)} ms = ${(healedMs / startMs).toFixed(2)}x a node start (the restart itself took ${restartMs.toFixed(0)} ms); goal < 10000 ms: ${verdict(healedMs < 10_000)}`,
)
const bareCpu = cpuPercent('bare')
console.log(
  `idle bare libp2p node (yardstick):          CPU ${bareCpu.toFixed(2)} %, RSS ${after.bare!.rssMiB.toFixed(0)} MiB; a timer-only process: CPU ${cpuPercent('timer').toFixed(2)} %`,
)
const admittedCpu = cpuPercent('myk')
const line = (label: string, name: string, extra = '') => {
  const cpu = cpuPercent(name)
  console.log(
    `${label.padEnd(43)}CPU ${cpu.toFixed(2)} % = ${(cpu / bareCpu).toFixed(2)}x bare libp2p${extra}, RSS ${after[name]!.rssMiB.toFixed(0)} MiB; goal < 1 %: ${verdict(cpu < 1)}`,
  )
}
line('idle admitted member:', 'myk')
line('idle anchor (two members, two outsiders):', 'anchor')
for (const name of ['revoked', 'outsider']) {
  const ratio = admittedCpu > 0 ? cpuPercent(name) / admittedCpu : Number.POSITIVE_INFINITY
  line(
    name === 'revoked' ? 'idle revoked node:' : 'idle unendorsed node:',
    name,
    ` = ${ratio.toFixed(2)}x the admitted member (goal <= 1.5x: ${verdict(ratio <= 1.5)})`,
  )
}
