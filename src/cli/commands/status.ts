import { parseArgs } from 'node:util'
import type { NodeIdentityView } from '../../api/index.js'
import { NodeClient } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { CliCommand } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

export const statusCommand: CliCommand = {
  name: 'status',
  usage: 'allmende status [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende status --dir ./kusel', 'allmende status --dir ./kusel --json'],
  async run(args, io) {
    const { values } = parseFlags('status', () => parseArgs({ args, options: NODE_FLAGS }))
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const identity = await client.get<NodeIdentityView>('/api/v1/identity')
    if (values.json === true) {
      io.stdout(JSON.stringify({ ...identity, api: client.url }))
      return 0
    }
    io.stdout(
      [
        `${identity.name} (data space ${identity.dataspace})`,
        `  DID:    ${identity.did}`,
        `  PeerId: ${identity.peerId}`,
        `  API:    ${client.url}`,
        ...(identity.dsp === undefined ? [] : [`  DSP:    ${identity.dsp}`]),
        ...identity.multiaddrs.map((ma) => `  listen: ${ma}`),
      ].join('\n'),
    )
    return 0
  },
}
