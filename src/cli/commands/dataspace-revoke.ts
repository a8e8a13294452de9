import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { memberDid, runningNodeClient, withOfflineRegistry } from './dataspace-members.js'

export const dataspaceRevokeCommand: CliCommand = {
  name: 'dataspace revoke',
  usage: 'allmende dataspace revoke DID|MEMBER_DIR [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dataspace revoke did:key:z6Mk… --dir ./kl'],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace revoke', () =>
      parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
    )
    if (positionals.length > 1) throw new UsageError('dataspace revoke: give one member')
    const did = await memberDid('dataspace revoke', positionals[0])
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await runningNodeClient(dir)
    const record =
      client !== undefined
        ? await client.request<{ did: string; revokedAt?: string }>(
            'DELETE',
            `/api/v1/dataspace/members/${encodeURIComponent(did)}`,
          )
        : await withOfflineRegistry(dir, async (registry) => {
            const revocation = await registry.revoke(did)
            return { did: revocation.member, revokedAt: revocation.revokedAt }
          })
    if (values.json === true) {
      io.stdout(JSON.stringify({ did: record.did, state: 'revoked', revokedAt: record.revokedAt }))
    } else {
      io.stdout(
        `revoked ${record.did}; running members drop it at once, the others at their next membership refresh`,
      )
    }
    return 0
  },
}
