import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import {
  adoptDescriptor,
  keepHandedCredentials,
  readDescriptorFile,
  UnfitCredentialError,
} from '../../dataspace/index.js'
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
  credential: {
    type: 'string',
    multiple: true,
    value: 'FILE',
    fallback: 'none: the node fetches its credential from an anchor once it runs',
    help: "a membership credential the anchor wrote for this node ('dataspace endorse --credential-out'), one per anchor; the node must be stopped",
  },
  ...MEMBERSHIP_REFRESH_FLAG,
} as const satisfies FlagDocs

export const dataspaceJoinCommand: CliCommand = {
  name: 'dataspace join',
  usage:
    'allmende dataspace join --descriptor FILE [--credential FILE]... [--membership-refresh SECONDS] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: [
    'allmende dataspace join --descriptor ./kl/dataspace.json --dir ./kusel',
    'allmende dataspace join --descriptor ./kl/dataspace.json --credential ./kusel-credential.json --dir ./kusel',
  ],
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
    // The credentials first: one that does not fit leaves the node as it was, not joined without it.
    const handed = await Promise.all((values.credential ?? []).map(readCredentialFile))
    const endorsedBy =
      handed.length === 0 ? [] : await keepHandedCredentials(directory, descriptor, key.did, handed)
    const { path } = await adoptDescriptor(directory, descriptor, {
      ...(membershipRefresh === undefined ? {} : { membershipRefresh }),
    })
    if (values.json === true) {
      io.stdout(
        JSON.stringify({
          descriptor: path,
          id: descriptor.id,
          title: descriptor.title,
          did: key.did,
          endorsedBy,
        }),
      )
      return 0
    }
    const member = endorsedBy.length >= descriptor.endorsementsRequired
    io.stdout(
      [
        `Joined data space "${descriptor.title}" (${descriptor.id}); descriptor copied to ${path}.`,
        ...(endorsedBy.length === 0
          ? []
          : [
              `Credentials kept from ${endorsedBy.join(', ')}${member ? ': a member from its next start.' : '.'}`,
            ]),
        ...(member ? [] : [`Ask an anchor to endorse this node: allmende dataspace endorse ${key.did}`]),
        `Anchors: ${descriptor.trustAnchor.join(', ')}`,
      ].join('\n'),
    )
    return 0
  },
}

/** A credential file as JSON; what it says is checked when it is kept. */
async function readCredentialFile(file: string): Promise<{ file: string; credential: unknown }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new UsageError(`dataspace join: cannot read credential ${file}: ${(cause as Error).message}`)
  }
  try {
    return { file, credential: JSON.parse(text) as unknown }
  } catch (cause) {
    throw new UnfitCredentialError(file, `not JSON (${(cause as Error).message})`, { cause })
  }
}
