import { parseArgs } from 'node:util'
import type { NodeStatusView } from '../../api/index.js'
import { NodeClient } from '../../api/node-client.js'
import type { PeerSummary } from '../../bindings/p2p/index.js'
import { DEFAULT_NODE_DIR } from '../../config/node-directory.js'
import type { CliCommand } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'

export const peersCommand: CliCommand = {
  name: 'peers',
  usage: 'allmende peers [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende peers --dir ./kusel --json'],
  async run(args, io) {
    const { values } = parseFlags('peers', () => parseArgs({ args, options: NODE_FLAGS }))
    const client = await NodeClient.forDirectory(values.dir ?? DEFAULT_NODE_DIR)
    const [{ peers }, status] = await Promise.all([
      client.get<{ peers: PeerSummary[] }>('/api/v1/peers'),
      client.get<NodeStatusView>('/api/v1/status'),
    ])
    if (values.json === true) {
      io.stdout(JSON.stringify(peers))
      return 0
    }
    // A node that cannot take part says why first: its peers refuse it, whatever the list below shows.
    const reason = status.membership?.reason
    if (reason !== undefined) io.stdout(reason)
    if (peers.length === 0) {
      io.stdout('no peers known yet')
      return 0
    }
    for (const peer of peers) {
      const state = peer.connected ? (peer.admitted ? 'connected' : 'connected, not admitted') : 'known'
      const latency = peer.latencyMs === null ? '' : `, ${peer.latencyMs} ms`
      const who = peer.name === null ? (peer.did ?? peer.peerId) : `${peer.name}  ${peer.did ?? peer.peerId}`
      io.stdout(`${who} (${state}${latency})`)
      for (const address of peer.addresses) io.stdout(`    ${address}`)
    }
    return 0
  },
}
