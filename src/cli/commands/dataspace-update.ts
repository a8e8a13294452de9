import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { nextDescriptorVersion } from '../../dataspace/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { endorsementsFlag } from './dataspace-create.js'
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

export const dataspaceUpdateCommand: CliCommand = {
  name: 'dataspace update',
  summary: 'sign a new version of the descriptor (bootstrap addresses, endorsement rule); anchors only',
  usage:
    "allmende dataspace update [--bootstrap MA]... [--endorsements K] [--out FILE] [--dir DIR] [--json]   (no --bootstrap: this node's current addresses replace its old ones)",
  async run(args, io) {
    const { values } = parseFlags('dataspace update', () =>
      parseArgs({
        args,
        options: {
          ...NODE_FLAGS,
          bootstrap: { type: 'string', multiple: true },
          endorsements: { type: 'string' },
          out: { type: 'string' },
        },
      }),
    )
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const files = await openNode(dir)
    const current = await currentDescriptor(files)
    const endorsements = endorsementsFlag(values.endorsements)
    const next = nextDescriptorVersion(current, {
      bootstrap: values.bootstrap ?? withOwnAddresses(current.bootstrap, files),
      ...(endorsements === undefined ? {} : { endorsementsRequired: endorsements }),
    })
    return report(io, values.json === true, dir, await signAndPlace(files, dir, next, draftOut(values.out)))
  },
}

export const dataspaceAddAnchorCommand: CliCommand = {
  name: 'dataspace add-anchor',
  summary: 'sign a new descriptor version with one more trust anchor; it and the others co-sign',
  usage: 'allmende dataspace add-anchor DID|MULTIADDR [--endorsements K] [--out FILE] [--dir DIR] [--json]',
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace add-anchor', () =>
      parseArgs({
        args,
        options: { ...NODE_FLAGS, endorsements: { type: 'string' }, out: { type: 'string' } },
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
    const next = nextDescriptorVersion(current, {
      trustAnchor: [...current.trustAnchor, anchor.did],
      bootstrap: [...current.bootstrap, ...(anchor.bootstrap === undefined ? [] : [anchor.bootstrap])],
      ...(endorsements === undefined ? {} : { endorsementsRequired: endorsements }),
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
