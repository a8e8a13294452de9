import { parseArgs } from 'node:util'
import {
  awaitFullMesh,
  runDemoScenario,
  startDemoDataspace,
  startDemoSources,
  stopDemoDataspace,
} from '../../demo/index.js'
import { createRootLogger } from '../../log/index.js'
import type { CliCommand, FlagDocs } from '../command.js'
import { parseFlags } from '../flags.js'

const FLAGS = {
  root: {
    type: 'string',
    value: 'DIR',
    fallback: './.allmende-demo',
    help: 'directory for the three demo nodes',
  },
  exit: { type: 'boolean', help: 'stop after the scenario instead of running until Ctrl-C' },
} as const satisfies FlagDocs

export const demoCommand: CliCommand = {
  name: 'demo',
  usage: 'allmende demo [--root DIR] [--exit]',
  flags: FLAGS,
  examples: ['allmende demo', 'allmende demo --exit --root /tmp/demo'],
  async run(args, io) {
    const { values } = parseFlags('demo', () => parseArgs({ args, options: FLAGS }))
    const root = values.root ?? './.allmende-demo'
    const log = createRootLogger({ level: process.env.ALLMENDE_LOG_LEVEL ?? 'warn' })
    io.stdout(`Starting the Südwest-Cluster demo data space in ${root} ...`)
    const sources = await startDemoSources()
    const nodes = await startDemoDataspace(root, log).catch(async (error: unknown) => {
      await sources.close()
      throw error
    })
    try {
      const meshed = await awaitFullMesh(nodes, 20_000)
      io.stdout(
        meshed
          ? 'The three connectors found each other and admitted each other as members.\n'
          : 'Warning: not all connectors admitted each other within 20 s.\n',
      )
      const story = await runDemoScenario(nodes, sources)
      for (const line of story.lines) io.stdout(`- ${line}`)
      io.stdout('')
      for (const node of nodes) {
        const identity = node.connector.identity()
        io.stdout(
          `${node.name}\n  DID: ${identity.did}\n  API: ${node.apiUrl}  (token: ${node.dir}/api-token)`,
        )
      }
      io.stdout(`\nTry: npx allmende peers --dir ${nodes[2]!.dir}`)
      if (values.exit !== true) {
        io.stdout('Press Ctrl-C to stop.')
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve)
          process.once('SIGTERM', resolve)
        })
      }
      return 0
    } finally {
      await stopDemoDataspace(nodes)
      await sources.close()
    }
  },
}
