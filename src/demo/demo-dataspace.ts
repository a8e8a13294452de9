import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { NodeClient } from '../api/index.js'
import { dialableAddresses, initNode, openNode } from '../config/index.js'
import { Connector } from '../connector.js'
import { adoptDescriptor, createDescriptor, openOfflineRegistry } from '../dataspace/index.js'
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

/** The management API of a running demo node, as any client of the node would use it. */
export function apiOf(node: DemoNode): Promise<NodeClient> {
  return NodeClient.forDirectory(node.dir)
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
  const firstRun = !(await exists(join(dirOf(DEMO_NODES[0].slug), 'dataspace.json')))
  if (firstRun) await createDemoDataspace(dirOf)
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

/**
 * The first run: the nodes' directories, the data space with Kaiserslautern as trust anchor (its
 * libp2p address is the descriptor's bootstrap address) and the members' endorsements.
 */
async function createDemoDataspace(dirOf: (slug: DemoSlug) => string): Promise<void> {
  for (const node of DEMO_NODES) {
    await initNode(dirOf(node.slug), {
      name: node.name,
      force: true,
      overrides: { listen: [`/ip4/127.0.0.1/tcp/${node.port}`] },
    })
  }
  const anchor = await openNode(dirOf(DEMO_NODES[0].slug))
  // The anchor's fixed port makes its bootstrap address known before it ever runs.
  const descriptor = await createDescriptor({
    title: 'Südwest-Cluster',
    anchors: [anchor.key],
    endorsementsRequired: 1,
    bootstrap: dialableAddresses(anchor.config, anchor.key.peerId.toString()),
  })
  const { config } = await adoptDescriptor(anchor.directory, descriptor)
  const registry = await openOfflineRegistry(anchor.directory, config, anchor.key)
  try {
    for (const node of DEMO_NODES.slice(1)) {
      const member = await openNode(dirOf(node.slug))
      await adoptDescriptor(member.directory, descriptor)
      await registry.registry.endorse(member.key.did)
    }
  } finally {
    await registry.close()
  }
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
