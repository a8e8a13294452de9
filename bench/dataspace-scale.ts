// bench/dataspace-scale: N separate `allmende start` processes on 127.0.0.1 in one data space with
// membership (descriptor signed by two anchors, every member endorsed), bootstrapped to the anchors.
// Reports: time until every node has admitted connections to at least K peers (and the admissions and
// connections closed over the limit until then, from each node's /metrics) and sampled nodes reach
// every provider's catalog; gossip propagation of a new dataset (p50, p95, max); federated search from
// the local cache (API and CLI wall time) and refreshed across all providers (first partial answer and
// complete); idle CPU and RSS per node and in total (for the nodes that searched, how much of it is the C
// heap), and the peers each holds connections to; one negotiation and one transfer between two
// random nodes while all run. Yardsticks from the same run: an API health round trip, `node -e ''`,
// an idle Node process waking once a second (beside idle members and anchors), a bare libp2p node with the
// same services (beside each node's RSS), and the machine's cores and load.
//
// Opt-in (`npm run bench -- dataspace-scale`); settings from the environment: BENCH_NODES (30),
// BENCH_DATASETS per provider (100), BENCH_IDLE_SECONDS (60), BENCH_PEERS = K (3), BENCH_SETTLE_SECONDS
// (180, the longest wait for any phase), BENCH_QUICK=1 (one repetition of each search figure), BENCH_CPU_PROF
// (a folder: the first anchor, the middle node and the searching last node write CPU profiles there), BENCH_MAX_CONNECTIONS (each node's
// `--max-connections`; unset: the product's default), BENCH_V8_FLAGS (space-separated flags each node runs with
// instead of the product's V8 flags, to compare memory settings), BENCH_OTHER_CLI (another build's `allmende.js`: every
// second node runs it, the second anchor among them, and the CPU until admitted and at idle is printed per build, both
// under the same load), BENCH_OTHER_V8_FLAGS (the V8 flags of those nodes instead; alone, every second node runs this
// build with them, to compare memory settings under the same load), BENCH_OTHER_GLIBC_TUNABLES (likewise, the
// allocator's tunables of those nodes), BENCH_CLI (another build's `allmende.js` for
// every node, e.g. the previous commit's as the yardstick of this bench's code), BENCH_UNTIL=admitted (stop after the CPU until admitted: the later phases are skipped),
// BENCH_CREDENTIALS=file (members start with their credentials, as after `dataspace join --credential`, instead of
// fetching them from a running anchor), BENCH_MEMBER_NICE (the members' nice value, e.g. 10: the anchors get the
// cores first, as when every node runs on a machine of its own). The last line
// is `result {json}` with every figure.
import '../src/polyfills.js'
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createWriteStream, rmSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, setPriority, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { wantedPeers } from '../src/bindings/p2p/index.js'
import { Catalog, requesterConstraintEvaluator, validateOfferWithPolicyEngine } from '../src/catalog/index.js'
import { V8_FLAGS, withAllocatorTunables } from '../src/cli/v8-flags.js'
import { DEFAULT_MAX_CONNECTIONS, initNode, type NodeFiles, openNode } from '../src/config/index.js'
import type { JsonLdObject } from '../src/credentials/index.js'
import {
  adoptDescriptor,
  createDescriptor,
  keepHandedCredentials,
  openOfflineRegistry,
} from '../src/dataspace/index.js'
import { Store } from '../src/store/index.js'
import { freePort } from '../test/support/cli-process.js'
import { cliPath } from '../test/support/repo.js'
import { residentParts, rssMiB } from './support/process-memory.js'
import {
  everyHit,
  LARGEST_PAGE,
  PURPOSE,
  scaleDatasetInput,
  scaleTitle,
  WORDS,
} from './support/scale-datasets.js'
import { startYardstick } from './support/yardstick-process.js'

const N = Number(process.env.BENCH_NODES ?? 30)
const DATASETS = Number(process.env.BENCH_DATASETS ?? 100)
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 60)
const K = Math.min(Number(process.env.BENCH_PEERS ?? 3), N - 1)
const SETTLE_MS = Number(process.env.BENCH_SETTLE_SECONDS ?? 180) * 1000
const MAX_CONNECTIONS = process.env.BENCH_MAX_CONNECTIONS
/** Repetitions of each search figure; BENCH_QUICK=1 (the CI smoke run) takes one. */
const REPEAT = process.env.BENCH_QUICK === '1' ? 1 : 3
const ANCHORS = Math.min(2, N)
const NODE_V8_FLAGS = process.env.BENCH_V8_FLAGS?.split(' ').filter(Boolean) ?? V8_FLAGS
const OTHER_V8_FLAGS = process.env.BENCH_OTHER_V8_FLAGS?.split(' ').filter(Boolean)
/** The glibc tunables of those nodes (the product's mmap threshold added unless they name one). */
const OTHER_GLIBC_TUNABLES = process.env.BENCH_OTHER_GLIBC_TUNABLES
/** The command every node runs (BENCH_CLI: another build's `allmende.js`, measured with this bench's code). */
const CLI = process.env.BENCH_CLI ?? cliPath()
const OTHER_CLI =
  process.env.BENCH_OTHER_CLI ??
  (OTHER_V8_FLAGS === undefined && OTHER_GLIBC_TUNABLES === undefined ? undefined : CLI)
/** How the per-build lines name the other half of the nodes. */
const OTHER_LABEL = `${OTHER_CLI}${OTHER_V8_FLAGS === undefined ? '' : ` with ${OTHER_V8_FLAGS.join(' ')}`}${
  OTHER_GLIBC_TUNABLES === undefined ? '' : ` with GLIBC_TUNABLES=${OTHER_GLIBC_TUNABLES}`
}`
const ONLY_ADMISSION = process.env.BENCH_UNTIL === 'admitted'
const MEMBER_NICE =
  process.env.BENCH_MEMBER_NICE === undefined ? undefined : Number(process.env.BENCH_MEMBER_NICE)

interface Node {
  readonly name: string
  readonly files: NodeFiles
  process?: ChildProcess
  apiUrl?: string
  /** CPU seconds (user + system) the node had used when it printed its `ready` line. */
  cpuAtReady?: number
}

const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!
}
const median = (values: number[]) => percentile(values, 50)
const round = (value: number, digits = 1) => Number(value.toFixed(digits))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** The quiet window before the refreshed searches whose CPU is their yardstick. */
const QUIET_WINDOW_MS = 5_000
const elapsed = (since: number) => performance.now() - since

/** Runs `work` over `items` with at most `limit` at a time. */
async function eachLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length)
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++
        results[i] = await work(items[i]!)
      }
    }),
  )
  return results
}

/** A request to a node; a dropped connection (a node busy under load) is tried again twice. */
async function retried<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request()
    } catch (error) {
      if (attempt >= 3 || (error as Error).message !== 'fetch failed') throw error
      await sleep(1000)
    }
  }
}

const api = <T>(node: Node, path: string, init: { method?: string; body?: unknown } = {}) =>
  retried(() => apiOnce<T>(node, path, init))

async function apiOnce<T>(node: Node, path: string, init: { method?: string; body?: unknown }): Promise<T> {
  const response = await fetch(`${node.apiUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${node.files.apiToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(60_000),
  })
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path} on ${node.name}: ${await response.text()}`)
  return (await response.json()) as T
}

const datasetInput = (node: Node, title: string, source: string) =>
  scaleDatasetInput({ name: node.files.config.name, did: node.files.key.did }, title, source)

/** Node directories, a descriptor signed by the anchors, endorsements, datasets: all before any start. */
async function setUp(root: string, source: string): Promise<Node[]> {
  const nodes: Node[] = []
  for (let i = 0; i < N; i++) {
    const name = `kommune-${String(i).padStart(3, '0')}`
    // Anchors listen on a fixed port below the ephemeral range (a hundred nodes' outgoing connections
    // take ephemeral ports); members take any free port when they start (see start()).
    const port = i < ANCHORS ? await freePort() : 0
    const files = await initNode(join(root, name), {
      name,
      overrides: { listen: [`/ip4/127.0.0.1/tcp/${port}`] },
    })
    nodes.push({ name, files })
  }
  const anchors = nodes.slice(0, ANCHORS)
  const descriptor = await createDescriptor({
    title: `Skalierung ${N}`,
    anchors: anchors.map((a) => a.files.key),
    endorsementsRequired: 1,
    bootstrap: anchors.map((a) => `${a.files.config.listen[0]}/p2p/${a.files.key.peerId.toString()}`),
  })
  for (const node of nodes) await adoptDescriptor(node.files.directory, descriptor)
  // Every anchor endorses every other node, so a member gets its credential from whichever it reaches.
  const handed = new Map<Node, JsonLdObject[]>()
  for (const anchor of anchors) {
    const files = await openNode(anchor.files.directory.root)
    const registry = await openOfflineRegistry(files.directory, files.config, files.key)
    try {
      for (const node of nodes) {
        if (node === anchor) continue
        const record = await registry.registry.endorse(node.files.key.did)
        handed.set(node, [...(handed.get(node) ?? []), record.credential])
      }
    } finally {
      await registry.close()
    }
  }
  // BENCH_CREDENTIALS=file: every member starts with its credentials, as after `dataspace join --credential`.
  if (process.env.BENCH_CREDENTIALS === 'file') {
    await eachLimited(nodes.slice(ANCHORS), 4, async (node) => {
      const files = (handed.get(node) ?? []).map((credential, i) => ({ file: `credential ${i}`, credential }))
      await keepHandedCredentials(node.files.directory, descriptor, node.files.key.did, files)
    })
  }
  await eachLimited(nodes, 4, async (node) => {
    const store = await Store.open(node.files.directory.dbDir)
    const clock = () => new Date()
    const catalog = new Catalog(
      { store, clock: { now: clock } },
      {
        validateOffer: validateOfferWithPolicyEngine,
        evaluateConstraint: requesterConstraintEvaluator(clock),
      },
    )
    try {
      for (let d = 0; d < DATASETS; d++) {
        await catalog.add(datasetInput(node, scaleTitle(node.name, d), source))
      }
    } finally {
      await store.close()
    }
  })
  return nodes
}

/** Whether a node runs BENCH_OTHER_CLI: every second one, so each build has an anchor and half the members. */
const runsOtherBuild = (node: Node) => OTHER_CLI !== undefined && nodes.indexOf(node) % 2 === 1

function start(node: Node, logs: string): Promise<void> {
  const anchor = nodes.indexOf(node) < ANCHORS
  const listen = anchor ? [] : ['--listen', '/ip4/127.0.0.1/tcp/0']
  // BENCH_CPU_PROF=DIR: the first anchor, the middle node and the last (the one that searches) write CPU
  // profiles of their whole run into DIR when they stop.
  const profile =
    process.env.BENCH_CPU_PROF !== undefined && [0, Math.floor(N / 2), N - 1].includes(nodes.indexOf(node))
      ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
      : []
  const limit = MAX_CONNECTIONS === undefined ? [] : ['--max-connections', MAX_CONNECTIONS]
  const args = [
    ...(runsOtherBuild(node) && OTHER_V8_FLAGS !== undefined ? OTHER_V8_FLAGS : NODE_V8_FLAGS),
    ...profile,
    runsOtherBuild(node) ? OTHER_CLI! : CLI,
    'start',
    '--dir',
    node.files.directory.root,
    ...listen,
    ...limit,
  ]
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: withAllocatorTunables({
      ...process.env,
      ...(runsOtherBuild(node) && OTHER_GLIBC_TUNABLES !== undefined
        ? { GLIBC_TUNABLES: OTHER_GLIBC_TUNABLES }
        : {}),
      ALLMENDE_LOG_LEVEL: process.env.ALLMENDE_LOG_LEVEL ?? 'warn',
    }),
  })
  node.process = child
  // BENCH_MEMBER_NICE: members yield the cores to the anchors, as when each node runs on a machine of its own.
  if (!anchor && MEMBER_NICE !== undefined) setPriority(child.pid!, MEMBER_NICE)
  child.stderr!.pipe(createWriteStream(join(logs, `${node.name}.log`)))
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (d) => {
      out += d
      const ready = /^ready (\S+)$/m.exec(out)
      if (ready !== null && node.apiUrl === undefined) {
        node.apiUrl = ready[1]!
        cpuTicks(child.pid!).then((ticks) => {
          node.cpuAtReady = ticks / CLOCK_TICKS
        }, reject)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`${node.name} exited (${code}) before ready`)))
  })
}

interface Peer {
  connected: boolean
  admitted: boolean
}
const admittedPeers = async (node: Node) =>
  (await api<{ peers: Peer[] }>(node, '/api/v1/peers')).peers.filter((p) => p.connected && p.admitted).length

/** A node's admissions and connections closed over its limit so far (its `/metrics` counters). */
async function churnOf(node: Node): Promise<{ admissions: number; trimmed: number }> {
  const counter = await countersOf(node)
  return {
    admissions: counter('allmende_p2p_admissions_total'),
    trimmed: counter('allmende_p2p_connections_trimmed_total'),
  }
}

/** How a node's catalog answers arrived so far: whole catalogs, and catalogs their provider answered unchanged. */
async function catalogAnswersOf(node: Node): Promise<{ whole: number; unchanged: number }> {
  const counter = await countersOf(node)
  return {
    whole: counter('allmende_catalog_received_total{via="catalog_request"}'),
    unchanged: counter('allmende_catalog_received_total{via="catalog_unchanged"}'),
  }
}

/** How many peers a node holds connections to now. */
async function connectedPeersOf(node: Node): Promise<number> {
  return (await api<{ peers: Peer[] }>(node, '/api/v1/peers')).peers.filter((p) => p.connected).length
}

/** A node's `/metrics` now, as a function from a sample's name (with its labels) to its value. */
async function countersOf(node: Node): Promise<(sample: string) => number> {
  const text = await retried(async () => {
    const response = await fetch(`${node.apiUrl}/metrics`, {
      headers: { authorization: `Bearer ${node.files.apiToken}` },
      signal: AbortSignal.timeout(60_000),
    })
    return response.text()
  })
  return (sample) => {
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `))
    return line === undefined ? Number.NaN : Number(line.slice(sample.length + 1))
  }
}

interface Hit {
  provider: string
  datasetId: string
  local: boolean
  /** Cache entries: when the node took the dataset in (its own clock, which is this machine's). */
  fetchedAt?: string
}
const search = (node: Node, query: string) =>
  api<{
    datasets: Hit[]
    total: number
    refresh?: { providers: number; answered: number; pending: string[] }
  }>(node, `/api/v1/catalog?${query}`)

/** Polls until `done` or `timeoutMs` after `started`; returns the time since `started`, or undefined. */
async function until(
  started: number,
  done: () => Promise<boolean>,
  pauseMs = 500,
  timeoutMs = SETTLE_MS,
): Promise<number | undefined> {
  while (elapsed(started) < timeoutMs) {
    if (await done().catch(() => false)) return elapsed(started)
    await sleep(pauseMs)
  }
  return undefined
}

/**
 * Calls `changed` on every `catalog` event of a node's event stream (its cache changed) until `signal` aborts;
 * resolves once the stream is open.
 */
async function watchCatalog(node: Node, signal: AbortSignal, changed: () => Promise<void>): Promise<void> {
  const response = await fetch(`${node.apiUrl}/api/v1/events`, {
    headers: { authorization: `Bearer ${node.files.apiToken}` },
    signal,
  })
  if (!response.ok || response.body === null) throw new Error(`no event stream from ${node.name}`)
  void (async () => {
    let buffered = ''
    try {
      for await (const chunk of response.body!.pipeThrough(new TextDecoderStream())) {
        buffered += chunk
        const events = buffered.split('\n\n')
        buffered = events.pop()!
        if (events.some((event) => event.startsWith('event: catalog'))) void changed()
      }
    } catch {
      // aborted: the phase is over
    }
  })()
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())
function cpuTicks(pid: number): Promise<number> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then((stat) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  })
}
/**
 * Seconds a process's main thread (its event loop) spent on a core and runnable but waiting for one
 * (`/proc/PID/schedstat`; undefined where the kernel keeps no such figures).
 */
async function schedSeconds(pid: number): Promise<{ run: number; wait: number } | undefined> {
  try {
    const [run, wait] = (await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ').map(Number)
    return run === undefined || wait === undefined ? undefined : { run: run / 1e9, wait: wait / 1e9 }
  } catch {
    return undefined
  }
}
const loadAverage = async () => (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')

const root = await mkdtemp(join(tmpdir(), 'allmende-bench-scale-'))
const logs = join(root, 'logs')
await mkdir(logs)
const source = join(root, 'pegel.json')
await writeFile(
  source,
  JSON.stringify({ pegel: Array.from({ length: 20_000 }, (_, i) => ({ i, cm: i % 400 })) }),
)
const result: Record<string, unknown> = {
  nodes: N,
  datasetsPerProvider: DATASETS,
  k: K,
  anchors: ANCHORS,
  v8Flags: NODE_V8_FLAGS.join(' '),
  ...(MEMBER_NICE === undefined ? {} : { memberNice: MEMBER_NICE }),
}
const print = (line: string) => console.log(line)
/** Runs one phase; a failure is reported in `errors` and the next phase still runs. */
async function phase(name: string, work: () => Promise<void>): Promise<void> {
  if (ONLY_ADMISSION) return
  try {
    await work()
  } catch (error) {
    result.errors = {
      ...(result.errors as Record<string, string> | undefined),
      [name]: (error as Error).message,
    }
    print(`${name}: failed: ${(error as Error).message}`)
  }
}
let nodes: Node[] = []
/** Kills every node process still running, by pid: on any exit of the harness no node is left behind. */
const killAll = () => {
  for (const node of nodes) {
    if (node.process?.pid !== undefined && node.process.exitCode === null) {
      try {
        process.kill(node.process.pid, 'SIGKILL')
      } catch {
        // it has exited in the meantime
      }
    }
  }
}
process.once('exit', killAll)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll()
    if (process.env.BENCH_KEEP === undefined) rmSync(root, { recursive: true, force: true })
    process.exit(130)
  })
}
try {
  const setupStart = performance.now()
  nodes = await setUp(root, source)
  print(
    `set-up of ${N} node directories with ${DATASETS} datasets each: ${(elapsed(setupStart) / 1000).toFixed(1)} s`,
  )
  result.cores = availableParallelism()
  result.loadBefore = await loadAverage()

  // ---- start and settle -------------------------------------------------------------------------
  const started = performance.now()
  await Promise.all(nodes.map((node) => start(node, logs)))
  result.allReadyMs = round(elapsed(started), 0)
  // Times count from the first start; the wait for settling ends SETTLE_MS after the last node is ready.
  const settleBy = elapsed(started) + SETTLE_MS
  const counts = new Map<Node, number>()
  /** When each node was first seen with K admitted peers: the admission timeline (slowest last). */
  const firstWithK = new Map<Node, number>()
  const poll = (node: Node) =>
    admittedPeers(node)
      .catch(() => 0)
      .then((count) => {
        counts.set(node, count)
        if (count >= K && !firstWithK.has(node)) firstWithK.set(node, elapsed(started))
      })
  const admitted = await until(
    started,
    async () => {
      // Each round asks only the nodes below K: every question costs the node a peer list, and asking a hundred
      // settled nodes every second was load the measured data space would not have. Once all were seen with K,
      // one round asks them all again, so the figure is a moment when every node had K at once.
      await eachLimited(
        nodes.filter((node) => (counts.get(node) ?? 0) < K),
        8,
        poll,
      )
      if (!nodes.every((node) => (counts.get(node) ?? 0) >= K)) return false
      await eachLimited(nodes, 8, poll)
      return nodes.every((node) => (counts.get(node) ?? 0) >= K)
    },
    1000,
    settleBy,
  )
  result.admittedMs = admitted === undefined ? null : round(admitted, 0)
  result.admittedAfterReadyMs =
    admitted === undefined ? null : round(admitted - (result.allReadyMs as number), 0)
  result.loadAtSettle = await loadAverage()
  // Churn up to here: every admission is a credential check on both sides, every trim a connection made for
  // nothing (the refreshed searches below dial every provider, so this is read before them).
  const churn = await eachLimited(nodes, 8, churnOf)
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
  result.churnUntilAdmitted = {
    admissions: sum(churn.map((c) => c.admissions)),
    trimmed: sum(churn.map((c) => c.trimmed)),
    admissionsPerNodeMax: Math.max(...churn.map((c) => c.admissions)),
    // Yardstick: the admissions of a mesh built without a wasted connection, each member connected to every
    // anchor and to the members it wants (each such connection serving two members), counted on both sides.
    withoutChurn:
      (N - ANCHORS) * (2 * ANCHORS + wantedPeers(Number(MAX_CONNECTIONS ?? DEFAULT_MAX_CONNECTIONS))),
  }
  result.nodesWithKPeers = nodes.filter((node) => (counts.get(node) ?? 0) >= K).length
  result.admittedPeersMedian = counts.size === 0 ? 0 : median([...counts.values()])
  const timeline = [...firstWithK.values()]
  result.admittedTimeline = {
    p50Ms: round(percentile(timeline, 50), 0),
    p90Ms: round(percentile(timeline, 90), 0),
    slowest: [...firstWithK.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([node, ms]) => `${node.name} ${round(ms / 1000)} s`),
  }
  print(
    `all ${N} ready after ${result.allReadyMs} ms; every node with >= ${K} admitted peers: ` +
      `${admitted === undefined ? `NOT within ${(settleBy / 1000).toFixed(0)} s (${result.nodesWithKPeers}/${N} nodes)` : `${(admitted / 1000).toFixed(1)} s, ${((admitted - (result.allReadyMs as number)) / 1000).toFixed(1)} s after the last was ready`} ` +
      `(load average ${result.loadAtSettle}) ` +
      `(median ${result.admittedPeersMedian} admitted peers per node)  [goal < 60 s: ${admitted !== undefined && admitted < 60_000 ? 'met' : 'MISSED'}]`,
  )
  print(`nodes with >= ${K} admitted peers by: ${JSON.stringify(result.admittedTimeline)}`)
  const { admissions, trimmed, admissionsPerNodeMax, withoutChurn } = result.churnUntilAdmitted as Record<
    string,
    number
  >
  print(
    `churn until then: ${admissions} admissions counted on both sides (${(admissions / withoutChurn).toFixed(1)}x the ` +
      `${withoutChurn} of a mesh built without a wasted connection; at most ${admissionsPerNodeMax} on one node), ` +
      `${trimmed} connections closed over the limit`,
  )
  // What the nodes' start-up and admissions cost the machine: the CPU all nodes used until then beside what the
  // machine's cores could give in that time. Near 1, admission waits for CPU, not for the network.
  const cpuUntilAdmitted = (await Promise.all(nodes.map((node) => cpuTicks(node.process!.pid!)))).map(
    (ticks) => ticks / CLOCK_TICKS,
  )
  const cpuAtReady = median(nodes.map((node) => node.cpuAtReady ?? Number.NaN))
  const untilMs = admitted ?? elapsed(started)
  const cpuTotal = cpuUntilAdmitted.reduce((a, b) => a + b, 0)
  const ofMachine = cpuTotal / ((availableParallelism() * untilMs) / 1000)
  const anchorsCpu = cpuUntilAdmitted.slice(0, ANCHORS)
  // Every member needs an anchor for its credential: an anchor whose event loop waits for a core more than it
  // runs is what the data space waits for.
  const anchorsSched = await Promise.all(
    nodes.slice(0, ANCHORS).map((node) => schedSeconds(node.process!.pid!)),
  )
  result.cpuUntilAdmitted = {
    coreSecondsTotal: round(cpuTotal, 1),
    perNodeMedianS: round(median(cpuUntilAdmitted), 2),
    perNodeAtReadyMedianS: round(cpuAtReady, 2),
    anchorsS: anchorsCpu.map((s) => round(s, 1)),
    anchorsWaitingForACoreS: anchorsSched.map((s) => (s === undefined ? null : round(s.wait, 1))),
    ofMachine: round(ofMachine, 2),
  }
  print(
    `CPU used by all nodes until then: ${cpuTotal.toFixed(1)} core-seconds, ${ofMachine.toFixed(2)}x what this ` +
      `${availableParallelism()}-core machine gives in ${(untilMs / 1000).toFixed(1)} s (per node median ` +
      `${median(cpuUntilAdmitted).toFixed(2)} s, ${cpuAtReady.toFixed(2)} s of it by its ready line; anchors ` +
      `${anchorsCpu.map((s) => s.toFixed(1)).join(', ')} s)`,
  )
  if (anchorsSched.every((s) => s !== undefined)) {
    print(
      `anchors' event loops until then: on a core ${anchorsSched.map((s) => s.run.toFixed(1)).join(', ')} s, ` +
        `runnable but waiting for a core ${anchorsSched.map((s) => s.wait.toFixed(1)).join(', ')} s`,
    )
  }
  if (OTHER_CLI !== undefined) {
    // Members only: an anchor admits every member and would lift its build's median.
    const membersOf = (other: boolean) =>
      nodes.filter((node, i) => i >= ANCHORS && runsOtherBuild(node) === other)
    const cpuOf = (other: boolean) =>
      median(membersOf(other).map((node) => cpuUntilAdmitted[nodes.indexOf(node)]!))
    const readyOf = (other: boolean) => median(membersOf(other).map((node) => node.cpuAtReady ?? Number.NaN))
    const [own, other] = [cpuOf(false), cpuOf(true)]
    result.cpuUntilAdmittedByBuild = {
      membersMedianS: round(own, 2),
      otherMembersMedianS: round(other, 2),
      ratio: round(own / other, 2),
      atReadyMedianS: round(readyOf(false), 2),
      otherAtReadyMedianS: round(readyOf(true), 2),
    }
    print(
      `  by build: members of this build median ${own.toFixed(2)} s (${readyOf(false).toFixed(2)} s by ready; anchor ` +
        `${anchorsCpu[0]!.toFixed(1)} s), of ${OTHER_LABEL} ${other.toFixed(2)} s (${readyOf(true).toFixed(2)} s by ready; ` +
        `anchor ${anchorsCpu[1]?.toFixed(1)} s): ${(own / other).toFixed(2)}x`,
    )
  }
  if (ONLY_ADMISSION) print('later phases skipped (BENCH_UNTIL=admitted)')
  // Reach: sampled nodes' refreshed searches find every other provider's catalog.
  const samples = [nodes[N - 1]!, nodes[Math.floor(N / 2)]!, nodes[ANCHORS % N]!]
  await phase('reach', async () => {
    const reachedBy = new Map<Node, number>()
    /** The last failure of each sample's search, printed when reach is not met (a timeout, a refusal). */
    const reachFailure = new Map<Node, string>()
    // A minute at least, even when settling took all the time: reach is a figure of its own.
    const reachBy = Math.max(settleBy, elapsed(started) + 60_000)
    const reached = await until(
      started,
      async () => {
        await Promise.all(
          samples.map(async (node) => {
            if ((reachedBy.get(node) ?? 0) >= N - 1) return
            try {
              await search(node, 'refresh=true&limit=1')
              const hits = await everyHit('local=false', (query) => search(node, query))
              reachedBy.set(node, new Set(hits.map((d) => d.provider)).size)
            } catch (error) {
              reachFailure.set(node, (error as Error).message.slice(0, 200))
            }
          }),
        )
        return samples.every((node) => (reachedBy.get(node) ?? 0) >= N - 1)
      },
      1000,
      reachBy,
    )
    result.reachAllCatalogsMs = reached === undefined ? null : round(reached, 0)
    result.providersReached = Math.min(...samples.map((n) => reachedBy.get(n) ?? 0))
    print(
      `${samples.length} sampled nodes reach every other provider's catalog (refreshed search): ` +
        `${reached === undefined ? `NOT within ${(reachBy / 1000).toFixed(0)} s (at least ${result.providersReached}/${N - 1})` : `${(reached / 1000).toFixed(1)} s after start`}`,
    )
    if (reached === undefined) {
      for (const [node, message] of reachFailure) print(`  ${node.name}'s last failed search: ${message}`)
    }
  })

  // ---- gossip propagation ---------------------------------------------------------------------------
  await phase('propagation', async () => {
    const publisher = nodes[Math.floor(N / 3)]!
    const word = `Hochwasser${Date.now().toString(36)}`
    const others = nodes.filter((n) => n !== publisher)
    const arrivals = new Map<Node, number>()
    // Each node's event stream says when its cache changed; the time is taken there, and a search confirms
    // the new dataset is in (polling every node instead measured the polling round, not the gossip).
    // Yardstick: when each node took it in by its own account (the cache entry's fetchedAt), which the
    // event stream and this process's turn to read it can only follow.
    const ingested = new Map<Node, number>()
    const listening = new AbortController()
    let published = Number.POSITIVE_INFINITY
    let publishedAt = Number.POSITIVE_INFINITY
    await Promise.all(
      others.map((node) =>
        watchCatalog(node, listening.signal, async () => {
          const at = elapsed(published)
          if (arrivals.has(node) || at < 0) return
          const { datasets } = await search(node, `q=${word}`).catch(() => ({ datasets: [] }))
          if (datasets.length > 0 && !arrivals.has(node)) {
            arrivals.set(node, at)
            const fetchedAt = datasets[0]!.fetchedAt
            if (fetchedAt !== undefined) ingested.set(node, Date.parse(fetchedAt) - publishedAt)
          }
        }),
      ),
    )
    published = performance.now()
    publishedAt = Date.now()
    await api(publisher, '/api/v1/datasets', {
      method: 'POST',
      body: datasetInput(publisher, `${word} Meldung`, source),
    })
    const propagationDeadline = published + Math.min(30_000, SETTLE_MS)
    while (arrivals.size < others.length && performance.now() < propagationDeadline) await sleep(100)
    listening.abort()
    const times = [...arrivals.values()]
    result.propagation = {
      reached: arrivals.size,
      of: others.length,
      p50Ms: round(percentile(times, 50), 0),
      p95Ms: arrivals.size === others.length ? round(percentile(times, 95), 0) : null,
      maxMs: arrivals.size === others.length ? round(Math.max(...times), 0) : null,
      nodeSide: {
        p50Ms: round(percentile([...ingested.values()], 50), 0),
        p95Ms: round(percentile([...ingested.values()], 95), 0),
        maxMs: round(Math.max(...ingested.values()), 0),
      },
    }
    const p95 = (result.propagation as { p95Ms: number | null }).p95Ms
    const nodeSide = (result.propagation as { nodeSide: Record<string, number> }).nodeSide
    print(
      `a new dataset in other nodes' caches: ${arrivals.size}/${others.length} within ${Math.min(30, SETTLE_MS / 1000)} s, p50 ${percentile(times, 50).toFixed(0)} ms, ` +
        `p95 ${p95 ?? 'n/a'} ms, max ${arrivals.size === others.length ? Math.max(...times).toFixed(0) : 'n/a'} ms  [goal p95 < 2 s: ${p95 !== null && p95 < 2000 ? 'met' : 'MISSED'}]`,
    )
    print(
      `  taken in by each node's own clock (the cache entry's fetchedAt; yardstick of the event streams' lag): ` +
        `p50 ${nodeSide.p50Ms} ms, p95 ${nodeSide.p95Ms} ms, max ${nodeSide.maxMs} ms (${ingested.size} nodes)`,
    )
  })

  // ---- federated search ---------------------------------------------------------------------------
  await phase('search', async () => {
    const asker = samples[0]!
    const health = async () => {
      const t0 = performance.now()
      await fetch(`${asker.apiUrl}/api/v1/health`)
      return elapsed(t0)
    }
    const healthMs = median(await eachLimited([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, health))
    const cachedApi: number[] = []
    let cachedHits = 0
    let cachedAnswered = 0
    for (let i = 0; i < REPEAT * 2 + 1; i++) {
      const t0 = performance.now()
      const page = await search(asker, `q=${WORDS[i % WORDS.length]}`)
      cachedApi.push(elapsed(t0))
      cachedHits = page.total
      cachedAnswered = page.datasets.length
    }
    // Every dataset, in pages of the largest size (a client that wants them all).
    const cachedAll: number[] = []
    let allHits = 0
    for (let i = 0; i < REPEAT; i++) {
      const t0 = performance.now()
      allHits = (await everyHit('', (query) => search(asker, query))).length
      cachedAll.push(elapsed(t0))
    }
    const nodeStartMs = median(
      [1, 2, 3].map(() => {
        const t0 = performance.now()
        execFileSync(process.execPath, ['-e', ''])
        return elapsed(t0)
      }),
    )
    const cli: number[] = []
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now()
      execFileSync(
        process.execPath,
        [CLI, 'catalog', '--q', WORDS[0]!, '--dir', asker.files.directory.root, '--json'],
        {
          maxBuffer: 256 * 1024 * 1024,
        },
      )
      cli.push(elapsed(t0))
    }
    result.search = {
      cachedApiMs: round(median(cachedApi)),
      cachedApiHits: cachedHits,
      cachedApiAnswered: cachedAnswered,
      cachedAllDatasetsMs: round(median(cachedAll)),
      cachedAllDatasetsHits: allHits,
      cliMs: round(median(cli), 0),
      healthMs: round(healthMs, 2),
      nodeStartMs: round(nodeStartMs, 0),
    }
    print(
      `cached search in the API (one word: ${cachedHits} of ${allHits} match, the first ${cachedAnswered} answered): median ${median(cachedApi).toFixed(1)} ms ` +
        `(${(median(cachedApi) / healthMs).toFixed(0)}x an API health round trip of ${healthMs.toFixed(2)} ms); all ${allHits} datasets in pages of ${LARGEST_PAGE}: ` +
        `${median(cachedAll).toFixed(0)} ms  [goal < 50 ms: ${median(cachedApi) < 50 ? 'met' : 'MISSED'}]`,
    )
    print(
      `cached search with the CLI: median ${median(cli).toFixed(0)} ms (${(median(cli) / nodeStartMs).toFixed(1)}x \`node -e ''\` ${nodeStartMs.toFixed(0)} ms)`,
    )
    // A refreshed search answers after at most `wait` ms with what arrived (partial results first); the
    // complete one waits for every provider (each within its 5 s).
    const refreshed: number[] = []
    const firstPartial: number[] = []
    let partialAnswered = ''
    let refreshedProviders = 0
    const answersBefore = await catalogAnswersOf(asker)
    const churnBefore = await eachLimited(nodes, 8, churnOf)
    // CPU of every node over the timed searches alone: what the fan-out costs the asker and each provider. The
    // yardstick is the nodes' CPU over a quiet window just before, scaled to the searches' time: what they spend
    // anyway (collections after the earlier phases, gossip, pings).
    const allTicks = () => Promise.all(nodes.map((node) => cpuTicks(node.process!.pid!)))
    const ticksQuiet = await allTicks()
    await sleep(QUIET_WINDOW_MS)
    const ticksBefore = await allTicks()
    const searchesStart = performance.now()
    for (let i = 0; i < REPEAT; i++) {
      let t0 = performance.now()
      const partial = await search(asker, `q=${WORDS[1]}&refresh=true&wait=1000`)
      firstPartial.push(elapsed(t0))
      partialAnswered = `${partial.refresh?.answered ?? 0}/${partial.refresh?.providers ?? 0}`
      t0 = performance.now()
      const complete = await search(asker, `q=${WORDS[1]}&refresh=true&wait=60000`)
      refreshed.push(elapsed(t0))
      refreshedProviders = complete.refresh?.answered ?? 0
    }
    const searchesMs = elapsed(searchesStart)
    const ticksAfter = await allTicks()
    const spentMs = (from: number[], to: number[], i: number) => ((to[i]! - from[i]!) * 1000) / CLOCK_TICKS
    const ticksSpent = nodes.map((_, i) => spentMs(ticksBefore, ticksAfter, i) / REPEAT)
    const quietScaled = nodes.map(
      (_, i) => (spentMs(ticksQuiet, ticksBefore, i) * searchesMs) / QUIET_WINDOW_MS / REPEAT,
    )
    const askerCpuMs = ticksSpent[nodes.indexOf(asker)]!
    const others = (values: number[]) => values.filter((_, i) => nodes[i] !== asker)
    const othersCpuMs = others(ticksSpent)
    const othersTotalMs = othersCpuMs.reduce((a, b) => a + b, 0)
    const othersQuietMs = others(quietScaled).reduce((a, b) => a + b, 0)
    const answersAfter = await catalogAnswersOf(asker)
    const churnAfter = await eachLimited(nodes, 8, churnOf)
    // The asker's own admissions and trims, and those of every other node: what its refresh set off elsewhere.
    const churnDuring = (pick: (index: number) => boolean) => {
      const sum = (key: 'admissions' | 'trimmed') =>
        churnAfter.reduce((total, after, i) => total + (pick(i) ? after[key] - churnBefore[i]![key] : 0), 0)
      return { admissions: sum('admissions'), trimmed: sum('trimmed') }
    }
    const askerChurn = churnDuring((i) => nodes[i] === asker)
    const othersChurn = churnDuring((i) => nodes[i] !== asker)
    // Connections the asker holds right after: what it dialled for the refresh and still keeps.
    const connectedAfter = await connectedPeersOf(asker)
    // The asker holds every catalog since the reach check: what changed since comes whole, the rest unchanged.
    const answers = {
      whole: answersAfter.whole - answersBefore.whole,
      unchanged: answersAfter.unchanged - answersBefore.unchanged,
    }
    result.refreshedSearch = {
      firstAnswerMs: round(median(firstPartial), 0),
      answeredByFirstAnswer: partialAnswered,
      completeMs: round(median(refreshed), 0),
      providersAnswered: refreshedProviders,
      catalogAnswers: answers,
      askerChurn,
      othersChurn,
      connectedAfter,
      cpuMs: {
        asker: round(askerCpuMs, 0),
        othersTotal: round(othersTotalMs, 0),
        othersMedian: round(median(othersCpuMs), 0),
        othersQuietWindow: round(othersQuietMs, 0),
      },
    }
    print(
      `refreshed search fanning out to all providers: first answer ${median(firstPartial).toFixed(0)} ms (${partialAnswered} providers answered by then), ` +
        `complete ${median(refreshed).toFixed(0)} ms (${refreshedProviders} answered; of all answers ${answers.unchanged} unchanged, ${answers.whole} whole catalogs; the asker ${askerChurn.admissions} admissions and ${askerChurn.trimmed} connections trimmed on the way, ${connectedAfter} peers connected right after; the other nodes ${othersChurn.admissions} admissions, ${othersChurn.trimmed} trimmed; CPU per search: the asker ${askerCpuMs.toFixed(0)} ms, the others ${(othersTotalMs / 1000).toFixed(2)} s together (${(othersQuietMs / 1000).toFixed(2)} s in as long a quiet time just before), median ${median(othersCpuMs).toFixed(0)} ms)  [goal < 2 s with partial results first: ${median(firstPartial) < 2000 ? 'met' : 'MISSED'}, complete ${median(refreshed) < 2000 ? 'met' : 'MISSED'}]`,
    )
  })

  // ---- idle ---------------------------------------------------------------------------------------
  await phase('idle', async () => {
    // Yardstick: a Node process that only wakes once a second, measured over the same window.
    const yardstick = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
    // Memory yardstick: a bare libp2p node with the transports and services of a node, idle and alone.
    const bare = await startYardstick([
      ...NODE_V8_FLAGS,
      fileURLToPath(new URL('./support/bare-libp2p.js', import.meta.url)),
    ])
    await sleep(5_000)
    const pids = [...nodes.map((n) => n.process!.pid!), yardstick.pid!]
    const churnBefore = await eachLimited(nodes, 8, churnOf)
    const ticksBefore = await Promise.all(pids.map(cpuTicks))
    const loadAtIdle = await loadAverage()
    const idleStart = performance.now()
    await sleep(IDLE_SECONDS * 1000)
    const ticksAfter = await Promise.all(pids.map(cpuTicks))
    const seconds = elapsed(idleStart) / 1000
    const churnAfter = await eachLimited(nodes, 8, churnOf)
    yardstick.kill()
    const bareRss = await rssMiB(bare.pid!)
    bare.kill()
    const measured = ticksAfter.map((after, i) => (after - ticksBefore[i]!) / CLOCK_TICKS / seconds)
    const yardstickMsPerS = measured.pop()! * 1000
    const cores = measured
    const rss = await Promise.all(pids.slice(0, -1).map(rssMiB))
    const parts = await Promise.all(pids.slice(0, -1).map(residentParts))
    const pss = parts.map((p) => p.pssMiB)
    const totalCores = cores.reduce((a, b) => a + b, 0)
    // Anchors answer every member's membership refresh; members are what a data space of hundreds has most of.
    const msPerS = (share: number[]) => (share.length === 0 ? Number.NaN : median(share) * 1000)
    const anchorsMsPerS = msPerS(cores.slice(0, ANCHORS))
    const membersMsPerS = msPerS(cores.slice(ANCHORS))
    result.idle = {
      seconds: round(seconds, 0),
      coresTotal: round(totalCores, 3),
      coresPerNodeMedian: round(median(cores), 4),
      coresPerNodeMax: round(Math.max(...cores), 4),
      anchorMsPerSecondMedian: round(anchorsMsPerS, 2),
      memberMsPerSecondMedian: round(membersMsPerS, 2),
      yardstickMsPerSecond: round(yardstickMsPerS, 2),
      rssMiBMedian: round(median(rss), 0),
      rssMiBMax: round(Math.max(...rss), 0),
      rssMiBTotal: round(
        rss.reduce((a, b) => a + b, 0),
        0,
      ),
      pssMiBMedian: round(median(pss), 0),
      anchorsRssMiB: rss.slice(0, ANCHORS).map((r) => round(r, 0)),
      membersRssMiBMedian: round(median(rss.slice(ANCHORS)), 0),
      bareLibp2pRssMiB: round(bareRss, 0),
      machineCores: availableParallelism(),
      loadAverage: loadAtIdle,
    }
    print(
      `idle over ${seconds.toFixed(0)} s: all nodes ${totalCores.toFixed(3)} cores (${((100 * totalCores) / availableParallelism()).toFixed(1)} % of this ` +
        `${availableParallelism()}-core machine, load average ${loadAtIdle}), per node median ${median(cores).toFixed(4)} max ${Math.max(...cores).toFixed(4)}  ` +
        `[goal < 0.5 core: ${totalCores < 0.5 ? 'met' : 'MISSED'}]`,
    )
    // /proc counts CPU in clock ticks: the yardstick may use less than one in the whole window.
    const oneTickMsPerS = 1000 / CLOCK_TICKS / seconds
    const yardstickText =
      yardstickMsPerS > 0
        ? `${yardstickMsPerS.toFixed(2)} ms/s; member ${(membersMsPerS / yardstickMsPerS).toFixed(0)}x`
        : `under ${oneTickMsPerS.toFixed(2)} ms/s, one clock tick in the window; member over ${(membersMsPerS / oneTickMsPerS).toFixed(0)}x`
    print(
      `idle CPU per node: member median ${membersMsPerS.toFixed(2)} ms/s, anchor median ${anchorsMsPerS.toFixed(2)} ms/s ` +
        `(yardstick: a Node process waking once a second ${yardstickText})  ` +
        `[goal < 5 ms/s per node: ${membersMsPerS < 5 ? 'met' : 'MISSED'}]`,
    )
    if (OTHER_CLI !== undefined) {
      // Members only, as for the CPU until admitted: both builds idle side by side, under the same load.
      const idleOf = (other: boolean) =>
        msPerS(cores.filter((_, i) => i >= ANCHORS && runsOtherBuild(nodes[i]!) === other))
      const [own, other] = [idleOf(false), idleOf(true)]
      result.idleByBuild = {
        membersMsPerS: round(own, 2),
        otherMembersMsPerS: round(other, 2),
        ratio: round(own / other, 2),
      }
      print(
        `  by build: members of this build median ${own.toFixed(2)} ms/s, of ${OTHER_LABEL} ${other.toFixed(2)} ms/s: ${(own / other).toFixed(2)}x`,
      )
      const rssOf = (other: boolean) =>
        median(rss.filter((_, i) => i >= ANCHORS && runsOtherBuild(nodes[i]!) === other))
      const anchorRss = rss.slice(0, ANCHORS).map((r) => r.toFixed(0))
      print(
        `  RSS by build: members of this build median ${rssOf(false).toFixed(0)} MiB (anchor ${anchorRss[0]} MiB), of ` +
          `${OTHER_LABEL} ${rssOf(true).toFixed(0)} MiB (anchor ${anchorRss[1]} MiB)`,
      )
    }
    print(
      `RSS per node: median ${median(rss).toFixed(0)} MiB, max ${Math.max(...rss).toFixed(0)} MiB, total ${rss.reduce((a, b) => a + b, 0).toFixed(0)} MiB  ` +
        `(proportional, shared code split among the nodes: median ${median(pss).toFixed(0)} MiB; yardstick: a bare libp2p node ` +
        `with the same services, idle and alone, ${bareRss.toFixed(0)} MiB, median node ${(median(rss) / bareRss).toFixed(2)}x)  ` +
        `[goal < 100 MB per node: ${Math.max(...rss) * 1.048576 < 100 ? 'met' : 'MISSED'}]`,
    )
    // Connections opened and closed while idle: each admission costs both sides a handshake and gossip set-up.
    const idleAdmissions = churnAfter.map((after, i) => after.admissions - churnBefore[i]!.admissions)
    const idleTrimmed = churnAfter.reduce(
      (total, after, i) => total + after.trimmed - churnBefore[i]!.trimmed,
      0,
    )
    result.idleChurn = {
      admissions: idleAdmissions.reduce((a, b) => a + b, 0),
      anchorsAdmissions: idleAdmissions.slice(0, ANCHORS),
      trimmed: idleTrimmed,
    }
    print(
      `churn while idle: ${(result.idleChurn as { admissions: number }).admissions} admissions counted on both sides (anchors ${idleAdmissions.slice(0, ANCHORS).join(', ')}), ${idleTrimmed} connections closed over the limit`,
    )
    // Connections held at idle: each one costs its node gossip heartbeats, DHT upkeep and pings.
    const connected = await eachLimited(nodes, 8, connectedPeersOf)
    result.connectedPeers = {
      anchors: connected.slice(0, ANCHORS),
      membersMedian: median(connected.slice(ANCHORS)),
      membersMax: Math.max(...connected.slice(ANCHORS)),
    }
    print(
      `connected peers at idle: anchors ${connected.slice(0, ANCHORS).join(', ')}; members median ` +
        `${median(connected.slice(ANCHORS))}, max ${Math.max(...connected.slice(ANCHORS))}`,
    )
    // The sampled nodes ran refreshed searches across all providers (the first one every search figure too):
    // each holds its search index, and what fetching every catalog left, beside nodes that never searched.
    const searchers = samples.map((node) => rss[nodes.indexOf(node)]!)
    const searchersHeap = samples.map((node) => parts[nodes.indexOf(node)]!.mallocHeapMiB)
    const others = rss.filter((_, i) => !samples.includes(nodes[i]!))
    const othersHeap = parts.filter((_, i) => !samples.includes(nodes[i]!)).map((p) => p.mallocHeapMiB)
    // What each node's RSS counts of the node executable: pages every node process on this machine shares.
    const executable = median(parts.map((p) => p.executableMiB))
    result.searchersRss = {
      askerMiB: round(searchers[0]!, 0),
      sampledMiB: searchers.slice(1).map((r) => round(r, 0)),
      othersMedianMiB: round(median(others), 0),
      mallocHeapMiB: searchersHeap.map((r) => round(r, 0)),
      othersMallocHeapMedianMiB: round(median(othersHeap), 0),
      executableMedianMiB: round(executable, 0),
    }
    print(
      `RSS of the nodes that searched: ${samples.map((node, i) => `${node.name} ${searchers[i]!.toFixed(0)} (C heap ${searchersHeap[i]!.toFixed(0)})`).join(', ')} MiB ` +
        `(the first ran every search figure); of those that did not: median ${median(others).toFixed(0)} MiB (C heap ${median(othersHeap).toFixed(0)}) ` +
        `(bare libp2p ${bareRss.toFixed(0)} MiB); of every node's RSS, median ${executable.toFixed(0)} MiB are the node executable's pages, shared by all node processes on one machine`,
    )
    const largest = rss.indexOf(Math.max(...rss))
    print(
      `RSS by role: anchors ${rss
        .slice(0, ANCHORS)
        .map((r) => r.toFixed(0))
        .join(', ')} MiB; members median ` +
        `${median(rss.slice(ANCHORS)).toFixed(0)}, max ${Math.max(...rss.slice(ANCHORS)).toFixed(0)} MiB; largest ${nodes[largest]!.name}`,
    )
  })

  // ---- one negotiation and one transfer between two random nodes ------------------------------------
  await phase('negotiation', async () => {
    const pick = () => nodes[Math.floor(Math.random() * N)]!
    const provider = pick()
    let consumer = pick()
    while (consumer === provider) consumer = pick()
    const [dataset] = (await api<{ datasets: { id: string }[] }>(provider, '/api/v1/datasets')).datasets
    const negotiationStart = performance.now()
    let state = ''
    let agreementId = ''
    // A refused request is a figure too (the state names why), not a failure of the harness.
    const negotiation = await api<{ id: string }>(consumer, '/api/v1/negotiations', {
      method: 'POST',
      body: { provider: provider.files.key.did, dataset: dataset!.id, purpose: PURPOSE },
    }).catch((error: Error) => {
      state = `not requested: ${error.message}`
      return undefined
    })
    await until(
      negotiationStart,
      async () => {
        if (negotiation === undefined) return true
        const current = await api<{ state: string; agreementId?: string }>(
          consumer,
          `/api/v1/negotiations/${encodeURIComponent(negotiation.id)}`,
        )
        state = current.state
        agreementId = current.agreementId ?? ''
        return state === 'FINALIZED' || state === 'TERMINATED'
      },
      50,
      60_000,
    )
    const negotiationMs = elapsed(negotiationStart)
    let transferState = 'not started'
    let transferMs = Number.NaN
    if (state === 'FINALIZED') {
      const transferStart = performance.now()
      const transfer = await api<{ id: string }>(consumer, '/api/v1/transfers', {
        method: 'POST',
        body: { agreement: agreementId, out: join(root, 'downloads', 'received.json') },
      })
      await until(
        transferStart,
        async () => {
          transferState = (
            await api<{ state: string }>(consumer, `/api/v1/transfers/${encodeURIComponent(transfer.id)}`)
          ).state
          return transferState === 'COMPLETED' || transferState === 'TERMINATED'
        },
        50,
        60_000,
      )
      transferMs = elapsed(transferStart)
    }
    result.negotiation = { state, ms: round(negotiationMs, 0) }
    result.transfer = { state: transferState, ms: Number.isNaN(transferMs) ? null : round(transferMs, 0) }
    print(
      `negotiation ${consumer.name} -> ${provider.name}: ${state} in ${negotiationMs.toFixed(0)} ms; transfer: ${transferState}` +
        `${Number.isNaN(transferMs) ? '' : ` in ${transferMs.toFixed(0)} ms`}`,
    )
  })
} finally {
  await Promise.all(
    nodes.map(async (node) => {
      const child = node.process
      if (child === undefined || child.exitCode !== null) return
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }),
  )
  if (process.env.BENCH_KEEP === undefined) await rm(root, { recursive: true, force: true })
  else print(`kept ${root}`)
}
console.log(`result ${JSON.stringify(result)}`)
