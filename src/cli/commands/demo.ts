import { parseArgs } from 'node:util'
import { awaitFullMesh, DEMO_NODES, startDemoDataspace, stopDemoDataspace } from '../../demo/index.js'
import { createRootLogger } from '../../log/index.js'
import type { CliCommand } from '../command.js'
import { parseFlags } from '../flags.js'

export const demoCommand: CliCommand = {
  name: 'demo',
  summary: 'run a local demo data space of three municipalities until Ctrl-C',
  usage: 'allmende demo [--root DIR]',
  async run(args, io) {
    const { values } = parseFlags('demo', () => parseArgs({ args, options: { root: { type: 'string' } } }))
    const root = values.root ?? './.allmende-demo'
    const log = createRootLogger({ level: process.env.ALLMENDE_LOG_LEVEL ?? 'warn' })
    io.stdout(`Starting the Südwest-Cluster demo data space in ${root} ...`)
    const nodes = await startDemoDataspace(root, log)
    const meshed = await awaitFullMesh(nodes, 15_000)
    io.stdout(
      meshed
        ? 'All three nodes found each other.\n'
        : 'Warning: the nodes did not all connect within 15 s.\n',
    )
    for (const node of nodes) {
      const identity = node.connector.identity()
      const label = DEMO_NODES.find((n) => n.slug === node.slug)?.name ?? node.slug
      io.stdout(
        `${label}\n  DID: ${identity.did}\n  API: ${node.apiUrl}  (token: ${root}/${node.slug}/api-token)`,
      )
    }
    io.stdout('\nTry: allmende peers --dir ' + `${root}/kusel` + '\nPress Ctrl-C to stop.')
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    })
    await stopDemoDataspace(nodes)
    return 0
  },
}
