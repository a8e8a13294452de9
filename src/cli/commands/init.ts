import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, initNode } from '../../config/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { CONFIG_FLAGS, configOverrides, NODE_FLAGS, parseFlags } from '../flags.js'

const FLAGS = {
  name: { type: 'string', value: 'NAME', required: true, help: 'name of the municipality or organisation' },
  ...NODE_FLAGS,
  ...CONFIG_FLAGS,
  force: { type: 'boolean', help: 'overwrite an existing node directory (a new key!)' },
} as const satisfies FlagDocs

export const initCommand: CliCommand = {
  name: 'init',
  usage:
    'allmende init --name NAME [--dir DIR] [--force] [--dataspace ID] [--listen MA]... [--announce MA]... [--bootstrap MA]... [--api-port N] [--mdns] [--dsp-port N] [--dsp-public-url URL] [--json]',
  flags: FLAGS,
  examples: ['allmende init --dir ./kusel --name "Landkreis Kusel" --dataspace suedwest'],
  async run(args, io) {
    const { values } = parseFlags('init', () =>
      parseArgs({
        args,
        options: FLAGS,
      }),
    )
    if (values.name === undefined || values.name.trim() === '') {
      throw new UsageError('init: --name is required, e.g. --name "Landkreis Kusel"')
    }
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const files = await initNode(dir, {
      name: values.name,
      force: values.force,
      overrides: configOverrides(values),
    })
    const summary = {
      dir: files.directory.root,
      name: files.config.name,
      did: files.key.did,
      peerId: files.key.peerId.toString(),
      dataspace: files.config.dataspace,
      listen: files.config.listen,
    }
    io.stdout(
      values.json === true
        ? JSON.stringify(summary)
        : [
            `Created node "${summary.name}" in ${summary.dir}`,
            `  DID:       ${summary.did}`,
            `  PeerId:    ${summary.peerId}`,
            `  Data space: ${summary.dataspace}`,
            ...summary.listen.map((address) => `  libp2p:    ${address}`),
            `Start it with: allmende start --dir ${dir}`,
          ].join('\n'),
    )
    return 0
  },
}
