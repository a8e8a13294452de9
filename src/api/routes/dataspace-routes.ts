import type { Router } from '@koa/router'
import type { DataspaceService } from '../../dataspace/index.js'
import { NoDataspaceError } from '../../dataspace/index.js'
import { InvalidInputError } from '../../protocol/errors.js'

/** What the data space routes need: the node's data space service (undefined when it joined none). */
export interface DataspaceRoutesView {
  dataspace(): DataspaceService | undefined
  /** The node directory, for the error that says how to join a data space. */
  readonly root: string
}

/**
 * Data space membership: the descriptor, the anchor's members (endorse, revoke, list), and the node's signed
 * status list credentials (`GET /api/v1/status-lists/:id`) for verifiers reaching it over HTTP.
 */
export function dataspaceRoutes(router: Router, view: DataspaceRoutesView): void {
  const service = (): DataspaceService => {
    const dataspace = view.dataspace()
    if (dataspace === undefined) throw new NoDataspaceError(view.root)
    return dataspace
  }
  router.get('/api/v1/dataspace', async (ctx) => {
    ctx.body = await service().summary()
  })
  router.put('/api/v1/dataspace/descriptor', async (ctx) => {
    const descriptor = await service().adopt((ctx.request as { body?: unknown }).body)
    ctx.body = descriptor
  })
  router.get('/api/v1/dataspace/members', async (ctx) => {
    ctx.body = { members: await service().members() }
  })
  router.post('/api/v1/dataspace/members', async (ctx) => {
    const body = (ctx.request as { body?: { did?: unknown; name?: unknown } }).body
    const did = body?.did
    if (typeof did !== 'string' || did === '')
      throw new InvalidInputError('the body must be {"did": "did:key:…", "name"?: "Landkreis …"}')
    const name = typeof body?.name === 'string' && body.name.trim() !== '' ? body.name.trim() : undefined
    const record = await service().endorse(did, name === undefined ? {} : { name })
    ctx.status = 201
    ctx.body = { did: record.did, endorsedAt: record.endorsedAt, credential: record.credential }
  })
  router.delete('/api/v1/dataspace/members/:did', async (ctx) => {
    const revocation = await service().revoke(ctx.params.did ?? '')
    ctx.body = { did: revocation.member, state: 'revoked', revokedAt: revocation.revokedAt }
  })
  router.get('/api/v1/status-lists/:id', async (ctx) => {
    ctx.body = await service().statusListCredential(ctx.params.id ?? '')
  })
}
