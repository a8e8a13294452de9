import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { draftDescriptor } from '../../dataspace/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { membershipRefreshFlag, NODE_FLAGS, parseFlags } from '../flags.js'
import { ownBootstrap, parseAnchor, signAndPlace } from './dataspace-descriptor.js'
import { describeSigned } from './dataspace-update.js'

/** Parses `--endorsements N`. */
export function endorsementsFlag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const endorsements = Number(value)
  if (!Number.isInteger(endorsements) || endorsements < 1) {
    throw new UsageError(`--endorsements must be a whole number of at least 1, got "${value}"`)
  }
  return endorsements
}

export const dataspaceCreateCommand: CliCommand = {
  name: 'dataspace create',
  summary: 'create a data space with this node (and any --anchor) as its trust anchors',
  usage:
    'allmende dataspace create --title TITLE [--anchor DID|MULTIADDR]... [--endorsements K] [--bootstrap MA]... [--odrl-profile IRI] [--membership-refresh SECONDS] [--force] [--dir DIR] [--json]',
  async run(args, io) {
    const { values } = parseFlags('dataspace create', () =>
      parseArgs({
        args,
        options: {
          ...NODE_FLAGS,
          title: { type: 'string' },
          anchor: { type: 'string', multiple: true },
          endorsements: { type: 'string' },
          bootstrap: { type: 'string', multiple: true },
          'odrl-profile': { type: 'string' },
          'membership-refresh': { type: 'string' },
          force: { type: 'boolean' },
        },
      }),
    )
    if (values.title === undefined || values.title.trim() === '') {
      throw new UsageError('dataspace create: --title is required, e.g. --title "Südwest-Cluster"')
    }
    const endorsements = endorsementsFlag(values.endorsements) ?? 1
    const membershipRefresh = membershipRefreshFlag(values['membership-refresh'])
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const files = await openNode(dir)
    if (files.config.descriptor !== undefined && values.force !== true) {
      throw new UsageError(
        `the node in ${files.directory.root} already belongs to data space ${files.config.dataspace}; use --force to create a new one`,
      )
    }
    const others = (values.anchor ?? []).map(parseAnchor)
    // The anchors' addresses, running or not: the config fixes the port at init, so they stay valid.
    const descriptor = draftDescriptor({
      title: values.title,
      trustAnchor: [files.key.did, ...others.map((a) => a.did)],
      endorsementsRequired: endorsements,
      bootstrap: [
        ...ownBootstrap(files),
        ...others.flatMap((a) => (a.bootstrap === undefined ? [] : [a.bootstrap])),
        ...(values.bootstrap ?? []),
      ],
      ...(values['odrl-profile'] === undefined ? {} : { odrlProfile: values['odrl-profile'] }),
    })
    const signed = await signAndPlace(files, dir, descriptor, {
      replace: true,
      ...(membershipRefresh === undefined ? {} : { membershipRefresh }),
    })
    if (values.json === true) {
      io.stdout(
        JSON.stringify({
          descriptor: signed.path,
          id: descriptor.id,
          state: signed.state,
          ...(signed.state === 'draft' ? { missing: signed.missing } : {}),
        }),
      )
      return 0
    }
    io.stdout(
      [
        signed.path,
        `Created data space "${descriptor.title}" (${descriptor.id}), ${endorsements} of ${descriptor.trustAnchor.length} anchor endorsement(s) admit a member.`,
        ...describeSigned(signed, dir),
      ].join('\n'),
    )
    return 0
  },
}
