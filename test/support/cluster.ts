import { appendFile, cp, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { openNode } from '../../src/config/index.js'
import { Connector } from '../../src/connector.js'
import { type Clock, systemClock } from '../../src/lifecycle/index.js'
import { createSilentLogger } from '../../src/log/index.js'
import {
  type CliResult,
  eventually,
  freePort,
  type RunningNode,
  runAllmende,
  startAllmende,
} from './cli-process.js'
import { tempDir } from './temp-dir.js'

/** A negotiation as `GET /api/v1/negotiations` lists it. */
export interface NegotiationView {
  id: string
  consumerPid: string
  providerPid?: string
  state: string
  agreementId?: string
  /** Where the other party is reached: its DSP base over HTTP; absent over libp2p. */
  callbackAddress?: string
  created: string
  history: { state: string; code?: string; reason?: string }[]
}

/** A transfer as `GET /api/v1/transfers` lists it. */
export interface TransferView {
  id: string
  role: 'provider' | 'consumer'
  consumerPid: string
  providerPid?: string
  state: string
  out?: string
  bytes?: number
  sha256?: string
  callbackAddress?: string
  dataAddress?: { endpointType: string; endpoint?: string }
  history: { state: string; code?: string; reason?: string }[]
}

/** One entry of a node's audit log as `GET /api/v1/audit` lists it. */
export interface AuditView {
  seq: number
  type: string
  subject: string
  data: Record<string, unknown>
}

/** One answer of a node's management API. */
export interface ApiAnswer<T> {
  readonly status: number
  readonly body: T
}

/**
 * A data space of real nodes on 127.0.0.1, run as `allmende start` processes: the first node is
 * the anchor, the others members it endorsed. Every API answer passes through {@link Cluster.api},
 * which keeps each 500 it sees in {@link Cluster.serverErrors} for the test to assert on (a 502 for
 * an unreachable peer is an answer, an internal error is not).
 */
export class Cluster {
  readonly serverErrors: string[] = []
  private readonly running = new Map<string, RunningNode>()
  /** Nodes run inside the test's process, with a clock the test sets. */
  private readonly embedded = new Map<string, { connector: Connector; apiUrl: string }>()
  private readonly dids = new Map<string, string>()

  private constructor(readonly root: string) {}

  /**
   * Creates the nodes (`allmende init` with `initFlags` besides, e.g. `--dsp-port 0`), the data space
   * with `names[0]` as anchor, endorses the rest, and starts those named in `started` (all of them).
   */
  static async create(
    names: readonly string[],
    prefix = 'allmende-cluster-',
    initFlags: readonly string[] = [],
    started: readonly string[] = names,
  ): Promise<Cluster> {
    const cluster = new Cluster(await tempDir(prefix))
    const anchorPort = await freePort()
    for (const [index, name] of names.entries()) {
      const listen = index === 0 ? ['--listen', `/ip4/127.0.0.1/tcp/${anchorPort}`] : []
      const init = JSON.parse(
        await cluster.cli([
          'init',
          '--dir',
          cluster.dir(name),
          '--name',
          `Node ${name}`,
          '--json',
          ...listen,
          ...initFlags,
        ]),
      ) as { did: string }
      cluster.dids.set(name, init.did)
    }
    const anchor = names[0]!
    const created = JSON.parse(
      await cluster.cli([
        'dataspace',
        'create',
        '--title',
        'Test-Cluster',
        '--dir',
        cluster.dir(anchor),
        '--json',
      ]),
    ) as { descriptor: string }
    for (const name of names.slice(1)) {
      await cluster.cli(['dataspace', 'join', '--descriptor', created.descriptor, '--dir', cluster.dir(name)])
      await cluster.cli(['dataspace', 'endorse', cluster.did(name), '--dir', cluster.dir(anchor)])
    }
    await Promise.all(started.map((name) => cluster.start(name)))
    return cluster
  }

  dir(name: string): string {
    return join(this.root, name)
  }

  did(name: string): string {
    const did = this.dids.get(name)
    if (did === undefined) throw new Error(`no node ${name} in the cluster`)
    return did
  }

  node(name: string): RunningNode {
    const node = this.running.get(name)
    if (node === undefined) throw new Error(`node ${name} is not running`)
    return node
  }

  /** Whether `name` runs as a process of this cluster (started, and not ended since). */
  isRunning(name: string): boolean {
    const child = this.running.get(name)?.process
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Where the log of every run of `name` is appended. */
  logFile(name: string): string {
    return join(this.root, `${name}.log`)
  }

  /** Starts a node; `env` adds to its environment (a crash point, for instance). */
  async start(name: string, env: Record<string, string> = {}): Promise<RunningNode> {
    const logFile = this.logFile(name)
    await appendFile(logFile, `--- ${new Date().toISOString()} start ${JSON.stringify(env)}\n`)
    const node = await startAllmende(['--dir', this.dir(name)], { env, timeoutMs: 120_000, logFile })
    this.running.set(name, node)
    return node
  }

  /**
   * Runs a node inside the test's process with `clock` as its time: a test moves it past a time
   * window instead of sleeping through one.
   */
  async startEmbedded(name: string, clock: Clock): Promise<Connector> {
    const connector = new Connector({
      files: await openNode(this.dir(name)),
      log: createSilentLogger(),
      clock,
    })
    const { apiUrl } = await connector.start()
    this.embedded.set(name, { connector, apiUrl })
    return connector
  }

  /** SIGTERM (or stop, for an embedded node), and waits for the exit. */
  async stop(name: string): Promise<void> {
    await this.running.get(name)?.stop()
    this.running.delete(name)
    await this.embedded.get(name)?.connector.stop()
    this.embedded.delete(name)
  }

  /** SIGKILL, as a crash. */
  async kill(name: string): Promise<void> {
    await this.running.get(name)?.kill()
    this.running.delete(name)
  }

  /** Forgets a node whose process ended by itself. */
  async exited(name: string): Promise<void> {
    await this.running.get(name)?.exited
    this.running.delete(name)
  }

  /** Runs an `allmende` command that must succeed (generous bound: a loaded machine starts node slowly). */
  async cli(args: string[]): Promise<string> {
    const result = await runAllmende(args, { timeoutMs: 120_000 })
    if (result.code !== 0)
      throw new Error(`allmende ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return result.stdout
  }

  /** `allmende audit verify` of a node (running or not). */
  auditVerify(name: string): Promise<CliResult> {
    return runAllmende(['audit', 'verify', '--dir', this.dir(name), '--json'], { timeoutMs: 120_000 })
  }

  /** One call of a node's management API; a 500 (an internal error) is kept in {@link serverErrors}. */
  async api<T>(name: string, method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> {
    const token = (await readFile(join(this.dir(name), 'api-token'), 'utf8')).trim()
    const apiUrl = this.embedded.get(name)?.apiUrl ?? this.node(name).apiUrl
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (response.status === 500)
      this.serverErrors.push(`${name} ${method} ${path}: ${response.status} ${text}`)
    return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T }
  }

  /** Every entry of a node's audit log about `subject`, oldest first (the log is read page by page). */
  async audit(name: string, subject: string): Promise<AuditView[]> {
    const found: AuditView[] = []
    let since: number | undefined
    do {
      const query = since === undefined ? '' : `?since=${since}`
      const { body } = await this.api<{ entries: AuditView[]; next?: number }>(
        name,
        'GET',
        `/api/v1/audit${query}`,
      )
      found.push(...body.entries.filter((entry) => entry.subject === subject))
      since = body.next
    } while (since !== undefined)
    return found
  }

  /**
   * The last `count` steps a running node stored, one line each (type, subject, state): what a
   * failed wait shows of the node it waited for.
   */
  async recentSteps(name: string, count = 20): Promise<string> {
    type Page = { entries: AuditView[]; head: { seq: number } }
    const { head } = (await this.api<Page>(name, 'GET', '/api/v1/audit?limit=1')).body
    const since = Math.max(0, head.seq - count)
    const { entries } = (await this.api<Page>(name, 'GET', `/api/v1/audit?since=${since}&limit=${count}`))
      .body
    return entries
      .map(
        (e) =>
          `${e.seq} ${e.type} ${e.subject}${e.data.state === undefined ? '' : ` ${String(e.data.state)}`}`,
      )
      .join('\n')
  }

  /** Waits until each two of `names` admitted each other (a fresh or restarted node takes a moment). */
  meshed(names: readonly string[]): Promise<true> {
    return eventually(
      async () => {
        for (const self of names) {
          const { body } = await this.api<{ peers: { did: string | null; admitted: boolean }[] }>(
            self,
            'GET',
            '/api/v1/peers',
          )
          const admitted = new Set(body.peers.filter((p) => p.admitted).map((p) => p.did))
          if (names.some((other) => other !== self && !admitted.has(this.did(other)))) return undefined
        }
        return true
      },
      { what: `${names.join(', ')} to admit each other`, timeoutMs: 60_000 },
    )
  }

  /**
   * Publishes a file with `content` (or the `source` that options name, an http(s) URL) as a
   * dataset under `offer` on `name` (members-only, decided automatically unless `options` say
   * otherwise); returns the dataset id.
   */
  async publish(
    name: string,
    title: string,
    content: string,
    offer: Record<string, unknown>,
    options: { access?: string; approval?: 'automatic' | 'manual'; source?: string } = {},
  ): Promise<string> {
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-')
    const source = options.source ?? join(this.root, `${slug}.json`)
    const offerFile = join(this.root, `${slug}-offer.json`)
    if (options.source === undefined) await writeFile(source, content)
    await writeFile(offerFile, JSON.stringify(offer))
    const added = JSON.parse(
      await this.cli([
        'dataset',
        'add',
        '--dir',
        this.dir(name),
        '--title',
        title,
        '--source',
        source,
        '--policy',
        offerFile,
        '--access',
        options.access ?? 'members',
        '--approval',
        options.approval ?? 'automatic',
        '--json',
      ]),
    ) as { dataset: { id: string } }
    return added.dataset.id
  }

  /**
   * Stops every node (its folder goes when the test file ends, {@link tempDir}); with
   * `ALLMENDE_TEST_KEEP_LOGS=<dir>` the nodes' logs are copied there (to read what a failed run's nodes did).
   */
  async close(): Promise<void> {
    await Promise.all([...this.running.keys(), ...this.embedded.keys()].map((name) => this.stop(name)))
    const keep = process.env.ALLMENDE_TEST_KEEP_LOGS
    if (keep !== undefined && keep !== '')
      await cp(this.root, join(keep, basename(this.root)), {
        recursive: true,
        filter: (path) => path === this.root || path.endsWith('.log'),
      })
  }
}

/**
 * A consumer (run in the test's process) and a provider that do not connect by themselves: every node keeps one
 * peer of its own besides its anchor (two connections), the consumer has its mesh before the provider joins,
 * and the provider's one peer is its bootstrap peer, the member. `beforeProvider` runs once the consumer has
 * its mesh and before the provider starts.
 */
export async function consumerApartFromProvider(
  prefix: string,
  beforeProvider: (consumer: Connector) => Promise<void> = async () => undefined,
): Promise<{ cluster: Cluster; consumer: Connector }> {
  const cluster = await Cluster.create(
    ['anchor', 'member', 'consumer', 'provider'],
    prefix,
    ['--max-connections', '2'],
    ['anchor', 'member'],
  )
  const consumer = await cluster.startEmbedded('consumer', systemClock)
  await cluster.meshed(['anchor', 'member', 'consumer'])
  await beforeProvider(consumer)
  const { body } = await cluster.api<{ multiaddrs: string[] }>('member', 'GET', '/api/v1/identity')
  await cluster.cli(['config', 'set', 'bootstrap', body.multiaddrs[0]!, '--dir', cluster.dir('provider')])
  await cluster.start('provider')
  await cluster.meshed(['anchor', 'member', 'provider'])
  return { cluster, consumer }
}
