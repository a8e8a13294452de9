import { parseArgs } from 'node:util'
import type { NodeIdentityView } from '../../api/index.js'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { adoptDescriptor, createDescriptor } from '../../dataspace/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { MEMBERSHIP_REFRESH_FLAG, membershipRefreshFlag, NODE_FLAGS, parseFlags } from '../flags.js'
import { runningNodeClient } from './dataspace-members.js'

const FLAGS = {
  ...NODE_FLAGS,
  title: { type: 'string', value: 'TITLE', required: true, help: 'name of the data space' },
  endorsements: {
    type: 'string',
    value: 'N',
    fallback: '1',
    help: 'anchor endorsements a member needs',
  },
  'odrl-profile': {
    type: 'string',
    value: 'IRI',
    fallback: 'none',
    help: 'ODRL profile the data space agrees on',
  },
  ...MEMBERSHIP_REFRESH_FLAG,
  force: { type: 'boolean', help: 'replace a data space this node already belongs to' },
} as const satisfies FlagDocs

export const dataspaceCreateCommand: CliCommand = {
  name: 'dataspace create',
  usage:
    'allmende dataspace create --title TITLE [--endorsements N] [--odrl-profile IRI] [--membership-refresh SECONDS] [--force] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: ['allmende dataspace create --title "Südwest-Cluster" --dir ./kl'],
  async run(args, io) {
    const { values } = parseFlags('dataspace create', () =>
      parseArgs({
        args,
        options: FLAGS,
      }),
    )
    if (values.title === undefined || values.title.trim() === '') {
      throw new UsageError('dataspace create: --title is required, e.g. --title "Südwest-Cluster"')
    }
    const endorsements = values.endorsements === undefined ? 1 : Number(values.endorsements)
    if (!Number.isInteger(endorsements) || endorsements < 1) {
      throw new UsageError(
        `--endorsements must be a whole number of at least 1, got "${values.endorsements}"`,
      )
    }
    const membershipRefresh = membershipRefreshFlag(values['membership-refresh'])
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const { directory, config, key } = await openNode(dir)
    if (config.descriptor !== undefined && values.force !== true) {
      throw new UsageError(
        `the node in ${directory.root} already belongs to data space ${config.dataspace}; use --force to create a new one`,
      )
    }
    // A running node's addresses become the bootstrap list members dial first; a stopped node has none to give.
    const client = await runningNodeClient(dir)
    const bootstrap =
      client === undefined
        ? []
        : (await client.get<NodeIdentityView>('/api/v1/identity')).multiaddrs.map((address) =>
            address.includes('/p2p/') ? address : `${address}/p2p/${key.peerId.toString()}`,
          )
    const descriptor = await createDescriptor({
      title: values.title,
      anchors: [key],
      endorsementsRequired: endorsements,
      bootstrap,
      ...(values['odrl-profile'] === undefined ? {} : { odrlProfile: values['odrl-profile'] }),
    })
    const { path } = await adoptDescriptor(directory, key, descriptor, {
      ...(membershipRefresh === undefined ? {} : { membershipRefresh }),
    })
    if (values.json === true) {
      io.stdout(JSON.stringify({ descriptor: path, id: descriptor.id }))
      return 0
    }
    io.stdout(
      [
        path,
        `Created data space "${descriptor.title}" (${descriptor.id}) with this node as trust anchor.`,
        `Members join with: allmende dataspace join --descriptor ${path}`,
        client === undefined ? 'Start the node to serve it.' : 'Restart the node to serve it.',
      ].join('\n'),
    )
    return 0
  },
}
