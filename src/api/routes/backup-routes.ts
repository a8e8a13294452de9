import { Readable } from 'node:stream'
import type { Router } from '@koa/router'
import { dumpStore, type Store } from '../../store/index.js'

/**
 * `GET /api/v1/backup`: the running node's whole database as NDJSON, read from one snapshot, so
 * `allmende backup` gets a consistent copy without stopping the node.
 */
export function backupRoutes(router: Router, store: () => Store | undefined): void {
  router.get('/api/v1/backup', (ctx) => {
    const current = store()
    if (current === undefined) {
      ctx.status = 503
      ctx.body = { error: { code: 'ALLMENDE_NOT_READY', message: 'the node has no open database' } }
      return
    }
    ctx.type = 'application/x-ndjson'
    ctx.body = Readable.from(dumpStore(current))
  })
}
