import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { nextDescriptorVersion } from '../../dataspace/index.js'
import { type CliCommand, type FlagDocs, UsageError } from '../command.js'
import { endorsementsFlag, NODE_FLAGS, parseFlags, REVOCATIONS_FLAG } from '../flags.js'
import {
  currentDescriptor,
  parseAnchor,
  type Signed,
  signAndPlace,
  withOwnAddresses,
} from './dataspace-descriptor.js'

/** The lines that tell the operator what happened to a signed descriptor and what to do next. */
export function describeSigned(signed: Signed, dir: string): string[] {
  if (signed.state === 'draft') {
    return [
      `Signed by this node; still to sign: ${signed.missing.join(', ')}.`,
      `Each of them runs: allmende dataspace sign ${signed.path} --dir THEIR_NODE_DIR`,
    ]
  }
  return signed.running
    ? [`Version ${signed.descriptor.version} is in use; connected peers take it over from this node.`]
    : [
        `Version ${signed.descriptor.version} is this node's data space; members join with: allmende dataspace join --descriptor ${signed.path}`,
        `Start the node to serve it: allmende start --dir ${dir}`,
      ]
}

const OUT_FLAG = {
  out: {
    type: 'string',
    value: 'FILE',
    fallback: "the node's dataspace.json when this anchor's signature suffices",
    help: 'where to write a draft the other anchors still co-sign',
  },
} as const satisfies FlagDocs

/** The data space's admission rule as a new descriptor version may change it; left out, it stays. */
const RULE_CHANGE_FLAGS = {
  endorsements: {
    type: 'string',
    value: 'K',
    fallback: 'unchanged',
    help: 'anchor endorsements a member needs',
  },
  revocations: { ...REVOCATIONS_FLAG.revocations, fallback: 'unchanged' },
} as const satisfies FlagDocs

const UPDATE_FLAGS = {
  ...NODE_FLAGS,
  bootstrap: {
    type: 'string',
    multiple: true,
    value: 'MULTIADDR',
    fallback: "this node's current addresses replace its old ones",
    help: 'the bootstrap list of the new version (repeatable)',
  },
  ...RULE_CHANGE_FLAGS,
  ...OUT_FLAG,
} as const satisfies FlagDocs

export const dataspaceUpdateCommand: CliCommand = {
  name: 'dataspace update',
  usage:
    "allmende dataspace update [--bootstrap MA]... [--endorsements K] [--revocations R] [--out FILE] [--dir DIR] [--json]   (no --bootstrap: this node's current addresses replace its old ones)",
  flags: UPDATE_FLAGS,
  examples: ['allmende dataspace update --dir ./kl'],
  async run(args, io) {
    const { values } = parseFlags('dataspace update', () =>
      parseArgs({
        args,
        options: UPDATE_FLAGS,
      }),
    )
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const files = await openNode(dir)
    const current = await currentDescriptor(files)
    const endorsements = endorsementsFlag(values.endorsements)
    const revocations = endorsementsFlag(values.revocations, 'revocations')
    const next = nextDescriptorVersion(current, {
      bootstrap: values.bootstrap ?? withOwnAddresses(current.bootstrap, files),
      ...(endorsements === undefined ? {} : { endorsementsRequired: endorsements }),
      ...(revocations === undefined ? {} : { revocationsRequired: revocations }),
    })
    return report(io, values.json === true, dir, await signAndPlace(files, dir, next, draftOut(values.out)))
  },
}

const ADD_ANCHOR_FLAGS = {
  ...NODE_FLAGS,
  ...RULE_CHANGE_FLAGS,
  ...OUT_FLAG,
} as const satisfies FlagDocs

export const dataspaceAddAnchorCommand: CliCommand = {
  name: 'dataspace add-anchor',
  usage:
    'allmende dataspace add-anchor DID|MULTIADDR [--endorsements K] [--revocations R] [--out FILE] [--dir DIR] [--json]',
  flags: ADD_ANCHOR_FLAGS,
  examples: ['allmende dataspace add-anchor did:key:z6Mk… --out draft.json --dir ./kl'],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace add-anchor', () =>
      parseArgs({
        args,
        options: ADD_ANCHOR_FLAGS,
        allowPositionals: true,
      }),
    )
    if (positionals.length !== 1) {
      throw new UsageError('dataspace add-anchor: give the DID or the full node address of the new anchor')
    }
    const anchor = parseAnchor(positionals[0] as string)
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const files = await openNode(dir)
    const current = await currentDescriptor(files)
    if (current.trustAnchor.includes(anchor.did)) {
      throw new UsageError(`${anchor.did} is already a trust anchor of ${current.id}`)
    }
    const endorsements = endorsementsFlag(values.endorsements)
    const revocations = endorsementsFlag(values.revocations, 'revocations')
    const next = nextDescriptorVersion(current, {
      trustAnchor: [...current.trustAnchor, anchor.did],
      bootstrap: [...current.bootstrap, ...(anchor.bootstrap === undefined ? [] : [anchor.bootstrap])],
      ...(endorsements === undefined ? {} : { endorsementsRequired: endorsements }),
      ...(revocations === undefined ? {} : { revocationsRequired: revocations }),
    })
    return report(io, values.json === true, dir, await signAndPlace(files, dir, next, draftOut(values.out)))
  },
}

function draftOut(out: string | undefined): { draftPath?: string } {
  return out === undefined ? {} : { draftPath: out }
}

function report(io: { stdout(text: string): void }, json: boolean, dir: string, signed: Signed): number {
  if (json) {
    io.stdout(
      JSON.stringify({
        descriptor: signed.path,
        id: signed.descriptor.id,
        version: signed.descriptor.version,
        state: signed.state,
        ...(signed.state === 'draft' ? { missing: signed.missing } : {}),
      }),
    )
  } else {
    io.stdout([signed.path, ...describeSigned(signed, dir)].join('\n'))
  }
  return 0
}
