import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { memberDid, runningNodeClient, withOfflineRegistry } from './dataspace-members.js'

export const dataspaceEndorseCommand: CliCommand = {
  name: 'dataspace endorse',
  usage: 'allmende dataspace endorse DID|MEMBER_DIR [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dataspace endorse did:key:z6Mk… --dir ./kl'],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace endorse', () =>
      parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
    )
    if (positionals.length > 1) throw new UsageError('dataspace endorse: give one member')
    const did = await memberDid('dataspace endorse', positionals[0])
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await runningNodeClient(dir)
    const record =
      client !== undefined
        ? await client.post<{ did: string; endorsedAt: string; credential: { id: string } }>(
            '/api/v1/dataspace/members',
            { did },
          )
        : await withOfflineRegistry(dir, (registry) => registry.endorse(did))
    const credentialId = String(record.credential.id)
    if (values.json === true) {
      io.stdout(JSON.stringify({ did: record.did, endorsedAt: record.endorsedAt, credential: credentialId }))
    } else {
      io.stdout(
        `endorsed ${record.did} (credential ${credentialId}); the member fetches it when it connects to this anchor`,
      )
    }
    return 0
  },
}
