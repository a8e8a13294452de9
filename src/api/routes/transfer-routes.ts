import type { Router } from '@koa/router'
import { InvalidInputError, NotFoundError } from '../../protocol/index.js'
import type { TransferManager, TransferProcessRecord } from '../../transfer/index.js'

/** A transfer as the API shows it: the record plus the bytes a running pull holds so far. */
function view(transfers: TransferManager, transfer: TransferProcessRecord) {
  const received = transfers.received(transfer.id)
  return received === undefined ? transfer : { ...transfer, received }
}

/**
 * Transfers this node runs (as consumer: `POST` starts one into a file on this node) or serves.
 * The output file lies in the node's download folder: `outputPath` resolves the path a client
 * names (relative to that folder) and refuses any other place, the node directory above all.
 */
export function transferRoutes(
  router: Router,
  transfers: TransferManager,
  outputPath: (requested: string) => Promise<string>,
): void {
  router.post('/api/v1/transfers', async (ctx) => {
    const body = ((ctx.request as { body?: unknown }).body ?? {}) as Record<string, unknown>
    const { agreement, out, resume, format } = body
    if (typeof agreement !== 'string' || agreement === '') {
      throw new InvalidInputError('field "agreement" must be the id of a finalized agreement')
    }
    if (typeof out !== 'string' || out === '') {
      throw new InvalidInputError('field "out" must name the output file in the download folder of this node')
    }
    if (resume !== undefined && typeof resume !== 'boolean')
      throw new InvalidInputError('field "resume" must be true or false')
    if (format !== undefined && typeof format !== 'string')
      throw new InvalidInputError('field "format" must be a string')
    ctx.status = 201
    ctx.body = await transfers.request({
      agreementId: agreement,
      out: await outputPath(out),
      ...(resume === undefined ? {} : { resume }),
      ...(format === undefined ? {} : { format }),
    })
  })
  router.get('/api/v1/transfers', async (ctx) => {
    ctx.body = { transfers: (await transfers.list()).map((t) => view(transfers, t)) }
  })
  router.get('/api/v1/transfers/:id', async (ctx) => {
    const transfer = await transfers.get(ctx.params.id!)
    if (transfer === undefined) throw new NotFoundError(`no transfer ${ctx.params.id}`)
    ctx.body = view(transfers, transfer)
  })
  const reasonOf = (ctx: { request: unknown }): string | undefined => {
    const reason = (((ctx.request as { body?: unknown }).body ?? {}) as { reason?: unknown }).reason
    return typeof reason === 'string' && reason !== '' ? reason : undefined
  }
  router.post('/api/v1/transfers/:id/suspend', async (ctx) => {
    ctx.body = await transfers.suspend(ctx.params.id!, reasonOf(ctx))
  })
  router.post('/api/v1/transfers/:id/resume', async (ctx) => {
    ctx.body = await transfers.resume(ctx.params.id!)
  })
  router.post('/api/v1/transfers/:id/terminate', async (ctx) => {
    ctx.body = await transfers.terminate(ctx.params.id!, reasonOf(ctx))
  })
}
