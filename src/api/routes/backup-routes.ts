import { Readable } from 'node:stream'
import type { Router } from '@koa/router'
import { dumpStore, type Store } from '../../store/index.js'

/**
 * `GET /api/v1/backup`: the running node's whole database as NDJSON, read from one snapshot, so
 * `allmende backup` gets a consistent copy without stopping the node.
 */
export function backupRoutes(router: Router, store: Store): void {
  router.get('/api/v1/backup', (ctx) => {
    ctx.type = 'application/x-ndjson'
    ctx.body = Readable.from(dumpStore(store))
  })
}
