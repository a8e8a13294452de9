import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { adoptDescriptor, readDescriptorFile } from '../../dataspace/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { MEMBERSHIP_REFRESH_FLAG, membershipRefreshFlag, NODE_FLAGS, parseFlags } from '../flags.js'

const FLAGS = {
  ...NODE_FLAGS,
  descriptor: {
    type: 'string',
    value: 'FILE',
    required: true,
    help: "the data space's descriptor (dataspace.json of an anchor)",
  },
  ...MEMBERSHIP_REFRESH_FLAG,
} as const satisfies FlagDocs

export const dataspaceJoinCommand: CliCommand = {
  name: 'dataspace join',
  usage: 'allmende dataspace join --descriptor FILE [--membership-refresh SECONDS] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: ['allmende dataspace join --descriptor ./kl/dataspace.json --dir ./kusel'],
  async run(args, io) {
    const { values } = parseFlags('dataspace join', () =>
      parseArgs({
        args,
        options: FLAGS,
      }),
    )
    if (values.descriptor === undefined) {
      throw new UsageError(
        'dataspace join: --descriptor FILE is required (the dataspace.json an anchor gave you)',
      )
    }
    const membershipRefresh = membershipRefreshFlag(values['membership-refresh'])
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const { directory, key } = await openNode(dir)
    const descriptor = await readDescriptorFile(values.descriptor)
    const { path } = await adoptDescriptor(directory, descriptor, {
      ...(membershipRefresh === undefined ? {} : { membershipRefresh }),
    })
    if (values.json === true) {
      io.stdout(
        JSON.stringify({ descriptor: path, id: descriptor.id, title: descriptor.title, did: key.did }),
      )
      return 0
    }
    io.stdout(
      [
        `Joined data space "${descriptor.title}" (${descriptor.id}); descriptor copied to ${path}.`,
        `Ask an anchor to endorse this node: allmende dataspace endorse ${key.did}`,
        `Anchors: ${descriptor.trustAnchor.join(', ')}`,
      ].join('\n'),
    )
    return 0
  },
}
