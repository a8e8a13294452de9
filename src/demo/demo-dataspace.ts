import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { CliIo } from '../cli/command.js'
import { runCli } from '../cli/run-cli.js'
import { openNode } from '../config/index.js'
import { Connector } from '../connector.js'
import type { Logger } from '../log/index.js'
import { findRepoRoot } from '../protocol/index.js'

/** The Südwest-Cluster: Kaiserslautern (anchor) and two counties (examples/README.md). */
export const DEMO_NODES = [
  { slug: 'kaiserslautern', name: 'Stadt Kaiserslautern', port: 47101 },
  { slug: 'kusel', name: 'Landkreis Kusel', port: 47102 },
  { slug: 'mayen-koblenz', name: 'Landkreis Mayen-Koblenz', port: 47103 },
] as const

export type DemoSlug = (typeof DEMO_NODES)[number]['slug']

export interface DemoNode {
  readonly slug: DemoSlug
  readonly name: string
  readonly dir: string
  readonly connector: Connector
  readonly apiUrl: string
}

/** Runs an `allmende` command in this process and returns its output (the demo tells it in its own words). */
export async function allmende(args: string[]): Promise<string> {
  let out = ''
  let err = ''
  const io: CliIo = {
    stdout: (text) => {
      out += `${text}\n`
    },
    stderr: (text) => {
      err += `${text}\n`
    },
    readStdin: async () => '',
  }
  const code = await runCli(args, io)
  if (code !== 0) throw new Error(`allmende ${args.join(' ')} failed: ${err.trim() || out.trim()}`)
  return out
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

async function startConnector(dir: string, log: Logger): Promise<{ connector: Connector; apiUrl: string }> {
  const connector = new Connector({ files: await openNode(dir), log })
  const { apiUrl } = await connector.start()
  return { connector, apiUrl }
}

/**
 * Starts the demo data space in this process. The first run creates the nodes (fixed libp2p ports
 * 47101-47103, so the data space descriptor's bootstrap address stays valid), the data space with
 * Kaiserslautern as trust anchor, and the members' endorsements; later runs reuse the directories.
 */
export async function startDemoDataspace(root: string, log: Logger): Promise<DemoNode[]> {
  const dirOf = (slug: DemoSlug) => join(root, slug)
  const anchor = DEMO_NODES[0]
  const firstRun = !(await exists(join(dirOf(anchor.slug), 'dataspace.json')))
  if (firstRun) {
    for (const node of DEMO_NODES) {
      await allmende([
        'init',
        '--dir',
        dirOf(node.slug),
        '--name',
        node.name,
        '--listen',
        `/ip4/127.0.0.1/tcp/${node.port}`,
        '--force',
      ])
    }
    const started = await startConnector(dirOf(anchor.slug), log.child({ node: anchor.slug }))
    try {
      await allmende(['dataspace', 'create', '--title', 'Südwest-Cluster', '--dir', dirOf(anchor.slug)])
    } finally {
      await started.connector.stop()
    }
    for (const node of DEMO_NODES.slice(1)) {
      await allmende([
        'dataspace',
        'join',
        '--descriptor',
        join(dirOf(anchor.slug), 'dataspace.json'),
        '--dir',
        dirOf(node.slug),
      ])
      const member = await openNode(dirOf(node.slug))
      await allmende(['dataspace', 'endorse', member.key.did, '--dir', dirOf(anchor.slug)])
    }
  }
  const nodes: DemoNode[] = []
  try {
    for (const node of DEMO_NODES) {
      const { connector, apiUrl } = await startConnector(dirOf(node.slug), log.child({ node: node.slug }))
      nodes.push({ slug: node.slug, name: node.name, dir: dirOf(node.slug), connector, apiUrl })
    }
  } catch (error) {
    await stopDemoDataspace(nodes)
    throw error
  }
  return nodes
}

/** Waits until every node is admitted by every other one, or the time is up. */
export async function awaitFullMesh(nodes: readonly DemoNode[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const views = await Promise.all(nodes.map((n) => n.connector.peers()))
    const meshed = views.every(
      (peers) => peers.filter((p) => p.connected && p.admitted).length >= nodes.length - 1,
    )
    if (meshed) return true
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return false
}

export async function stopDemoDataspace(nodes: readonly DemoNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.connector.stop()))
}

/** The example data shipped in `examples/data/`. */
export async function readExampleData(file: string): Promise<unknown> {
  return JSON.parse(await readFile(join(findRepoRoot(), 'examples', 'data', file), 'utf8'))
}
