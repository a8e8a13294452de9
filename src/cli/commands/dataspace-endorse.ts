import { writeFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { openNode } from '../../config/index.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { JsonLdObject } from '../../credentials/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { memberDid, runningNodeClient, withOfflineRegistry } from './dataspace-members.js'

const FLAGS = {
  ...NODE_FLAGS,
  name: {
    type: 'string',
    value: 'NAME',
    fallback: "the member directory's name, else the name the node gave when it asked for its credential",
    help: "the municipality's name, written into the membership credential",
  },
  'credential-out': {
    type: 'string',
    value: 'FILE',
    help: "also write the member's credential to FILE, for 'dataspace join --credential FILE': the member is one from its first start, its anchors running or not",
  },
} as const

export const dataspaceEndorseCommand: CliCommand = {
  name: 'dataspace endorse',
  usage:
    'allmende dataspace endorse DID|MEMBER_DIR [--name NAME] [--credential-out FILE] [--dir DIR] [--json]',
  flags: FLAGS,
  examples: [
    'allmende dataspace endorse did:key:z6Mk… --dir ./kl',
    'allmende dataspace endorse ./kusel --credential-out ./kusel-credential.json --dir ./kl',
  ],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace endorse', () =>
      parseArgs({ args, options: FLAGS, allowPositionals: true }),
    )
    if (positionals.length > 1) throw new UsageError('dataspace endorse: give one member')
    const did = await memberDid('dataspace endorse', positionals[0])
    // On one machine the member's directory names it; a DID alone leaves the name to the running anchor.
    const given = positionals[0]!
    const name =
      values.name ??
      (given.startsWith('did:')
        ? undefined
        : await openNode(given).then(
            (files) => files.config.name,
            () => undefined,
          ))
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await runningNodeClient(dir)
    const record =
      client !== undefined
        ? await client.post<{ did: string; endorsedAt: string; credential: JsonLdObject }>(
            '/api/v1/dataspace/members',
            { did, ...(name === undefined ? {} : { name }) },
          )
        : await withOfflineRegistry(dir, (registry) =>
            registry.endorse(did, name === undefined ? {} : { name }),
          )
    const credentialId = String(record.credential.id)
    const out = values['credential-out']
    if (out !== undefined) await writeFile(out, `${JSON.stringify(record.credential, null, 2)}\n`)
    if (values.json === true) {
      io.stdout(JSON.stringify({ did: record.did, endorsedAt: record.endorsedAt, credential: credentialId }))
    } else {
      io.stdout(
        out === undefined
          ? `endorsed ${record.did} (credential ${credentialId}); a running member picks it up within seconds, a stopped one when it starts`
          : `endorsed ${record.did} (credential ${credentialId}, written to ${out}); hand the file to the member: allmende dataspace join --descriptor dataspace.json --credential ${out}`,
      )
    }
    return 0
  },
}
