import { spawn } from 'node:child_process'
import { fstatSync, openSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { NodeClient, processAlive } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR, nodeDirectory } from '../../config/node-directory.js'
import { codeCacheReady } from '../code-cache.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { CONFIG_FLAGS, configOverrides, NODE_FLAGS, parseFlags } from '../flags.js'
import { V8_FLAGS, withAllocatorTunables } from '../v8-flags.js'
import { pollUntil } from '../waiting.js'

const FLAGS = {
  ...NODE_FLAGS,
  ...CONFIG_FLAGS,
  detach: {
    type: 'boolean',
    help: 'run in the background: return once the node is ready; its log goes to DIR/node.log',
  },
} as const satisfies FlagDocs

/** How long `--detach` waits for the background node to be ready. */
const DETACH_READY_MS = 60_000

export const startCommand: CliCommand = {
  name: 'start',
  usage:
    'allmende start [--dir DIR] [--detach] [--listen MULTIADDR]… [--bootstrap MULTIADDR]… [--dsp-port N]',
  flags: FLAGS,
  examples: [
    'allmende start --dir ./kusel',
    'allmende start --dir ./kusel --detach',
    'allmende start --dir ./kusel --listen /ip4/0.0.0.0/tcp/4001 --dsp-port 8282',
  ],
  async run(args, io) {
    const { values } = parseFlags('start', () => parseArgs({ args, options: FLAGS }))
    const dir = values.dir ?? DEFAULT_NODE_DIR
    if (values.detach === true) {
      const { url, pid, log } = await startDetached(
        dir,
        args.filter((a) => a !== '--detach'),
      )
      io.stdout(`ready ${url} (pid ${pid}, log ${log}; stop it with: allmende stop --dir ${dir})`)
      io.stdout(`dashboard ${await freshLoginLink(dir)}`)
      return 0
    }
    // Loaded here: the node's stack (libp2p, credentials) is what makes a start take a second.
    const [
      { openNode },
      { Connector },
      { createRootLogger },
      { useCanonicalizationWorkers },
      { exposedFullCollection, IdleHeapRelease },
    ] = await Promise.all([
      import('../../config/index.js'),
      import('../../connector.js'),
      import('../../log/index.js'),
      import('../../credentials/canonical-forms.js'),
      import('../../lifecycle/index.js'),
    ])
    const files = await openNode(dir, configOverrides(values))
    const log = createRootLogger()
    // With cores to spare, credential canonicalization leaves the event loop (libp2p, API) to a worker
    // thread, started on first use; on two cores a worker only adds memory (bench/negotiation).
    if (availableParallelism() > 2) await useCanonicalizationWorkers(1)
    const connector = new Connector({ files, log })
    const { apiUrl } = await connector.start()
    // The process's own V8 heap, not the connector's: one per process, however it was started.
    const collect = exposedFullCollection()
    const heapRelease = collect === undefined ? undefined : new IdleHeapRelease({ collect })
    heapRelease?.start()
    // Listening before `ready`: whoever waits for that line may stop the node right away.
    const stopRequested = waitForSignal()
    io.stdout(`ready ${apiUrl}`)
    // A login link is a credential: it goes to a terminal or a pipe, never into a log file.
    if (!fstatSync(1).isFile()) io.stdout(`dashboard ${connector.dashboardLoginUrl()}`)
    // What the start compiled is what the next start of any node would compile again.
    codeCacheReady()
    await stopRequested
    log.info('stopping')
    heapRelease?.stop()
    await connector.stop()
    return 0
  },
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve())
    process.once('SIGTERM', () => resolve())
  })
}

/** The `{url, pid}` a running node wrote, if any. */
function runtimeOf(dir: string): { url?: string; pid?: number } | undefined {
  try {
    return JSON.parse(readFileSync(nodeDirectory(dir).runtimeFile, 'utf8'))
  } catch {
    return undefined
  }
}

/** A one-time dashboard login link from the node now running in `dir`. */
async function freshLoginLink(dir: string): Promise<string> {
  const client = await NodeClient.forDirectory(dir)
  return (await client.post<{ url: string }>('/api/v1/dashboard/login', {})).url
}

/**
 * Starts `allmende start` as a background process with its output in `<dir>/node.log`, and waits
 * until it wrote its api.json (ready) or ended (its last log line says why).
 */
async function startDetached(
  dir: string,
  args: string[],
): Promise<{ url: string; pid: number; log: string }> {
  const directory = nodeDirectory(dir)
  const running = runtimeOf(dir)
  if (running?.pid !== undefined && processAlive(running.pid)) {
    throw new UsageError(`the node in ${directory.root} already runs (pid ${running.pid})`)
  }
  const log = join(directory.root, 'node.log')
  let out: number
  try {
    out = openSync(log, 'a')
  } catch {
    throw new UsageError(
      `no node directory at ${directory.root}; create one with: allmende init --dir ${dir}`,
    )
  }
  const child = spawn(process.execPath, [...V8_FLAGS, process.argv[1]!, 'start', ...args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: withAllocatorTunables({
      ...process.env,
      ALLMENDE_LOG_LEVEL: process.env.ALLMENDE_LOG_LEVEL ?? 'info',
    }),
  })
  let ended = false
  child.on('exit', () => {
    ended = true
  })
  const pid = child.pid!
  const urlOf = (r: ReturnType<typeof runtimeOf>) => (r?.pid === pid ? r.url : undefined)
  const waited = await pollUntil(
    runtimeOf(dir),
    async () => runtimeOf(dir),
    (r) => ended || urlOf(r) !== undefined,
    {
      timeoutMs: DETACH_READY_MS,
    },
  )
  const url = urlOf(waited.value)
  if (!ended && url !== undefined) {
    child.unref()
    return { url, pid, log }
  }
  if (!ended) child.kill('SIGTERM')
  const lastLine = readFileSync(log, 'utf8').trimEnd().split('\n').at(-1) ?? ''
  throw new UsageError(`the node did not start: ${lastLine.replace(/^allmende start: /, '')} (log: ${log})`)
}
