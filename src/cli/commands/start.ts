import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { Connector } from '../../connector.js'
import { useCanonicalizationWorkers } from '../../credentials/canonical-forms.js'
import { createRootLogger } from '../../log/index.js'
import type { CliCommand } from '../command.js'
import { CONFIG_FLAGS, configOverrides, NODE_FLAGS, parseFlags } from '../flags.js'

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the node in the foreground until SIGINT/SIGTERM',
  usage:
    'allmende start [--dir DIR] [--listen MA]... [--announce MA]... [--bootstrap MA]... [--api-port N] [--dataspace ID] [--mdns] [--dsp-port N] [--dsp-public-url URL]',
  async run(args, io) {
    const { values } = parseFlags('start', () =>
      parseArgs({ args, options: { ...NODE_FLAGS, ...CONFIG_FLAGS } }),
    )
    const files = await openNode(values.dir ?? DEFAULT_NODE_DIR, configOverrides(values))
    const log = createRootLogger()
    // With cores to spare, credential canonicalization leaves the event loop (libp2p, API) to a worker
    // thread, started on first use; on two cores a worker only adds memory (bench/negotiation).
    if (availableParallelism() > 2) await useCanonicalizationWorkers(1)
    const connector = new Connector({ files, log })
    const { apiUrl } = await connector.start()
    io.stdout(`ready ${apiUrl}`)
    io.stdout(`dashboard ${connector.dashboardLoginUrl()}`)
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
