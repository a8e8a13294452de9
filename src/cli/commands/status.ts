import { parseArgs } from 'node:util'
import type { NodeIdentityView, NodeStatusView } from '../../api/index.js'
import { NodeClient } from '../../api/node-client.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { CliCommand } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

/** The membership lines of `allmende status`. */
function membershipLines(membership: NonNullable<NodeStatusView['membership']>): string[] {
  const head = `  member: ${membership.title} (${membership.dataspace})`
  if (membership.state === 'anchor') return [`${head}, trust anchor`]
  if (membership.state !== 'member')
    return [`${head}: ${membership.state === 'revoked' ? 'REVOKED' : 'NOT YET A MEMBER'}`]
  return [
    `${head}, ${membership.endorsedBy.length} of ${membership.endorsementsRequired} required endorsement(s)`,
    ...membership.endorsedBy.map(
      (e) => `    endorsed by ${e.anchor} since ${e.since ?? '?'}, credential valid until ${e.until ?? '?'}`,
    ),
  ]
}

export const statusCommand: CliCommand = {
  name: 'status',
  usage: 'allmende status [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende status --dir ./kusel', 'allmende status --dir ./kusel --json'],
  async run(args, io) {
    const { values } = parseFlags('status', () => parseArgs({ args, options: NODE_FLAGS }))
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const [identity, status] = await Promise.all([
      client.get<NodeIdentityView>('/api/v1/identity'),
      client.get<NodeStatusView>('/api/v1/status'),
    ])
    if (values.json === true) {
      io.stdout(JSON.stringify({ ...identity, api: client.url, ...status }))
      return 0
    }
    io.stdout(
      [
        `${identity.name} (data space ${identity.dataspace})`,
        `  DID:    ${identity.did}`,
        `  PeerId: ${identity.peerId}`,
        `  API:    ${client.url}`,
        ...(identity.dsp === undefined ? [] : [`  DSP:    ${identity.dsp}`]),
        ...identity.multiaddrs.map((ma) => `  listen: ${ma}`),
        ...(status.membership === null ? [] : membershipLines(status.membership)),
        `  peers:  ${status.connectivity.admittedPeers} admitted of ${status.connectivity.knownPeers} known`,
        ...status.warnings.map((w) => `  warning: ${w}`),
      ].join('\n'),
    )
    return 0
  },
}
