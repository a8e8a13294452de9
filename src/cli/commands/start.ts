import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { Connector } from '../../connector.js'
import { createRootLogger } from '../../log/index.js'
import type { CliCommand, FlagDocs } from '../command.js'
import { CONFIG_FLAGS, configOverrides, NODE_FLAGS, parseFlags } from '../flags.js'

const FLAGS = { ...NODE_FLAGS, ...CONFIG_FLAGS } as const satisfies FlagDocs

export const startCommand: CliCommand = {
  name: 'start',
  usage:
    'allmende start [--dir DIR] [--listen MA]... [--bootstrap MA]... [--api-port N] [--dataspace ID] [--mdns] [--dsp-port N] [--dsp-public-url URL]',
  flags: FLAGS,
  examples: [
    'allmende start --dir ./kusel',
    'allmende start --dir ./kusel --listen /ip4/0.0.0.0/tcp/4001 --dsp-port 8282',
  ],
  async run(args, io) {
    const { values } = parseFlags('start', () => parseArgs({ args, options: FLAGS }))
    const files = await openNode(values.dir ?? DEFAULT_NODE_DIR, configOverrides(values))
    const log = createRootLogger()
    const connector = new Connector({ files, log })
    const { apiUrl } = await connector.start()
    io.stdout(`ready ${apiUrl}`)
    await waitForSignal()
    log.info('stopping')
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
