import type { Router } from '@koa/router'
import type { Catalog } from '../../catalog/index.js'

/** The operator's own datasets: add, list, read, update, remove (`/api/v1/datasets`). */
export function datasetRoutes(router: Router, catalog: Catalog): void {
  router.post('/api/v1/datasets', async (ctx) => {
    ctx.status = 201
    ctx.body = await catalog.add((ctx.request as { body?: unknown }).body)
  })
  router.get('/api/v1/datasets', async (ctx) => {
    ctx.body = { datasets: await catalog.list() }
  })
  router.get('/api/v1/datasets/:id', async (ctx) => {
    ctx.body = await catalog.get(ctx.params.id!)
  })
  router.put('/api/v1/datasets/:id', async (ctx) => {
    ctx.body = await catalog.update(ctx.params.id!, (ctx.request as { body?: unknown }).body as never)
  })
  router.delete('/api/v1/datasets/:id', async (ctx) => {
    ctx.body = { removed: await catalog.remove(ctx.params.id!) }
  })
}
