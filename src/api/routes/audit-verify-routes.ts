import type { Router } from '@koa/router'
import { verifyAuditLog } from '../../audit/index.js'
import type { Store } from '../../store/index.js'

/**
 * `GET /api/v1/audit/verify`: the running node checks its own log (chain, hashes, signatures, head),
 * as `allmende audit verify` does; `{ok, entries, head, firstBad?}`.
 */
export function auditVerifyRoutes(router: Router, init: { store: Store; did: string }): void {
  router.get('/api/v1/audit/verify', async (ctx) => {
    ctx.body = await verifyAuditLog(init.store, { did: init.did })
  })
}
