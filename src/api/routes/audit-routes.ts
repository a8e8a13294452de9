import type { Router } from '@koa/router'
import type { AuditLog } from '../../audit/index.js'
import { wholeNumberParam } from '../query-params.js'

const ANY = { min: 0, max: Number.MAX_SAFE_INTEGER }

/** The audit log, page by page: `GET /api/v1/audit?since=SEQ&limit=N` → `{entries, head, next?}`. */
export function auditRoutes(router: Router, audit: AuditLog): void {
  router.get('/api/v1/audit', async (ctx) => {
    const since = wholeNumberParam(ctx.query, 'since', ANY)
    const limit = wholeNumberParam(ctx.query, 'limit', { ...ANY, fallback: 1000 })
    ctx.body = await audit.page({ ...(since === undefined ? {} : { since }), limit })
  })
}
