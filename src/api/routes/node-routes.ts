import type { Router } from '@koa/router'
import type { PeerSummary } from '../../bindings/p2p/index.js'
import type { PartyName } from '../../dataspace/index.js'
import type { ConnectionChurnCounts } from '../metrics.js'

export type { PartyName }

/** What the node routes need to know about the node. */
export interface NodeView {
  identity(): NodeIdentityView
  peers(): Promise<PeerSummary[]>
  status(): Promise<NodeStatusView>
  names(): Promise<Record<string, PartyName>>
  /** How often the node's connections came and went since it started (`GET /metrics`). */
  connectionChurn(): ConnectionChurnCounts
}

/** `GET /api/v1/status`: membership, connectivity and what keeps the node from being reached. */
export interface NodeStatusView {
  /** This node's membership (null without a data space descriptor). */
  membership: {
    dataspace: string
    title: string
    state: 'anchor' | 'member' | 'not-endorsed' | 'revoked'
    endorsedBy: { anchor: string; since?: string; until?: string; name?: string }[]
    endorsementsRequired: number
    revoked: { by: string; at: string }[]
    reason?: string
  } | null
  connectivity: { admittedPeers: number; knownPeers: number }
  warnings: string[]
}

/** `GET /api/v1/identity`: who this node is and where it listens. */
export interface NodeIdentityView {
  name: string
  did: string
  peerId: string
  multiaddrs: string[]
  dataspace: string
  /** The versioned DSP HTTP base (`…/dsp/2025-1`) when the node runs the HTTP binding. */
  dsp?: string
}

/** Health (open), identity and peers of the node. */
export function nodeRoutes(router: Router, node: NodeView): void {
  router.get('/api/v1/health', (ctx) => {
    ctx.body = { status: 'ok' }
  })
  router.get('/api/v1/identity', (ctx) => {
    ctx.body = node.identity()
  })
  router.get('/api/v1/peers', async (ctx) => {
    ctx.body = { peers: await node.peers() }
  })
  router.get('/api/v1/status', async (ctx) => {
    ctx.body = await node.status()
  })
  router.get('/api/v1/names', async (ctx) => {
    ctx.body = { names: await node.names() }
  })
}
