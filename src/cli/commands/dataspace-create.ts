import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { draftDescriptor } from '../../dataspace/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import {
  endorsementsFlag,
  MEMBERSHIP_REFRESH_FLAG,
  membershipRefreshFlag,
  NODE_FLAGS,
  parseFlags,
  REVOCATIONS_FLAG,
} from '../flags.js'
import { ownBootstrap, parseAnchor, signAndPlace } from './dataspace-descriptor.js'
import { describeSigned } from './dataspace-update.js'

const FLAGS = {
  ...NODE_FLAGS,
  title: { type: 'string', value: 'TITLE', required: true, help: 'name of the data space' },
  anchor: {
    type: 'string',
    multiple: true,
    value: 'DID|MULTIADDR',
    fallback: 'this node only',
    help: 'a further trust anchor (repeatable); it co-signs the draft with dataspace sign',
  },
  endorsements: { type: 'string', value: 'K', fallback: '1', help: 'anchor endorsements a member needs' },
  ...REVOCATIONS_FLAG,
  bootstrap: {
    type: 'string',
    multiple: true,
    value: 'MULTIADDR',
    fallback: "the anchors' own addresses",
    help: 'addresses members dial first (repeatable)',
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
    'allmende dataspace create --title TITLE [--anchor DID|MULTIADDR]... [--endorsements K] [--revocations R] [--bootstrap MA]... [--odrl-profile IRI] [--membership-refresh SECONDS] [--force] [--dir DIR] [--json]',
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
    const endorsements = endorsementsFlag(values.endorsements) ?? 1
    const revocations = endorsementsFlag(values.revocations, 'revocations')
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
      ...(revocations === undefined ? {} : { revocationsRequired: revocations }),
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
        `Created data space "${descriptor.title}" (${descriptor.id}), ${endorsements} of ${descriptor.trustAnchor.length} anchor endorsement(s) admit a member, ${revocations ?? 1} anchor revocation(s) drop one.`,
        ...describeSigned(signed, dir),
      ].join('\n'),
    )
    return 0
  },
}
