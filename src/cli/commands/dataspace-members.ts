import { parseArgs } from 'node:util'
import { NodeClient, NodeNotRunningError } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR, nodeDirectory, openNode } from '../../config/index.js'
import { type MemberView, memberView, openOfflineRegistry } from '../../dataspace/index.js'
import { loadNodeKey } from '../../identity/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

/**
 * The client of the node running from `dir` if its `api.json` exists and it answers; undefined otherwise, so
 * the data space commands fall back to opening the node's database directly.
 */
export async function runningNodeClient(dir: string): Promise<NodeClient | undefined> {
  try {
    const client = await NodeClient.forDirectory(dir)
    await client.get('/api/v1/health')
    return client
  } catch (error) {
    if (error instanceof NodeNotRunningError) return undefined
    throw error
  }
}

/** Runs `action` on the anchor's member register of a stopped node, closing its database afterwards. */
export async function withOfflineRegistry<T>(
  dir: string,
  action: (registry: Awaited<ReturnType<typeof openOfflineRegistry>>['registry']) => Promise<T>,
): Promise<T> {
  const { directory, config, key } = await openNode(dir)
  const opened = await openOfflineRegistry(directory, config, key)
  try {
    return await action(opened.registry)
  } finally {
    await opened.close()
  }
}

export const dataspaceMembersCommand: CliCommand = {
  name: 'dataspace members',
  usage: 'allmende dataspace members [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dataspace members --dir ./kl --json'],
  async run(args, io) {
    const { values } = parseFlags('dataspace members', () => parseArgs({ args, options: NODE_FLAGS }))
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const client = await runningNodeClient(dir)
    const members =
      client !== undefined
        ? (await client.get<{ members: MemberView[] }>('/api/v1/dataspace/members')).members
        : await withOfflineRegistry(dir, async (registry) =>
            (await registry.list()).map((r) => memberView(r)),
          )
    if (values.json === true) {
      io.stdout(JSON.stringify(members))
      return 0
    }
    if (members.length === 0) {
      io.stdout('no members endorsed yet; endorse one with: allmende dataspace endorse DID')
      return 0
    }
    for (const member of members) {
      const state =
        member.state === 'revoked'
          ? `revoked ${member.revokedAt}`
          : `active${member.connected ? ', connected' : ''}`
      io.stdout(
        `${member.name === undefined ? '' : `${member.name}  `}${member.did}  ${state}  (endorsed ${member.endorsedAt})`,
      )
    }
    return 0
  },
}

/**
 * The member a command names: its DID as given, or, for a path, the DID of the node key in that
 * directory (a data space tried on one machine, where every node directory is at hand).
 */
export async function memberDid(command: string, given: string | undefined): Promise<string> {
  if (given === undefined) {
    throw new UsageError(
      `${command}: give the member's DID (its "allmende status" shows it) or its node directory`,
    )
  }
  if (given.startsWith('did:')) return given
  const keyFile = nodeDirectory(given).keyFile
  try {
    return (await loadNodeKey(keyFile)).did
  } catch {
    throw new UsageError(`${command}: "${given}" is neither a DID nor a node directory with a node.key`)
  }
}
