import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { initNode, openNode } from '../config/index.js'
import { Connector } from '../connector.js'
import type { Logger } from '../log/index.js'

/** The Südwest-Cluster: one anchor city and two counties (examples/README.md). */
export const DEMO_NODES = [
  { slug: 'kaiserslautern', name: 'Stadt Kaiserslautern' },
  { slug: 'kusel', name: 'Landkreis Kusel' },
  { slug: 'mayen-koblenz', name: 'Landkreis Mayen-Koblenz' },
] as const

export const DEMO_DATASPACE = 'suedwest-cluster'

export interface DemoNode {
  readonly slug: string
  readonly connector: Connector
  readonly apiUrl: string
}

/**
 * Starts the demo data space in one process: the nodes' directories live under `root` and are
 * reused by the next run, so identities stay. The anchor starts first; the others bootstrap to it.
 */
export async function startDemoDataspace(root: string, log: Logger): Promise<DemoNode[]> {
  const nodes: DemoNode[] = []
  let anchorAddress: string | undefined
  try {
    for (const { slug, name } of DEMO_NODES) {
      const dir = join(root, slug)
      const exists = await stat(join(dir, 'config.json')).then(
        () => true,
        () => false,
      )
      if (!exists) await initNode(dir, { name, overrides: { dataspace: DEMO_DATASPACE } })
      const files = await openNode(dir, anchorAddress === undefined ? {} : { bootstrap: [anchorAddress] })
      const connector = new Connector({ files, log: log.child({ node: slug }) })
      const { apiUrl } = await connector.start()
      nodes.push({ slug, connector, apiUrl })
      anchorAddress ??= connector.identity().multiaddrs[0]
    }
  } catch (error) {
    await stopDemoDataspace(nodes)
    throw error
  }
  return nodes
}

/** Waits until every node is connected to every other one, or the time is up. */
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
