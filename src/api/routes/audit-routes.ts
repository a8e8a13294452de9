import type { Router } from '@koa/router'
import type { AuditLog } from '../../audit/index.js'
import { InvalidInputError } from '../../protocol/index.js'

/** The audit log, page by page: `GET /api/v1/audit?since=SEQ&limit=N` → `{entries, head, next?}`. */
export function auditRoutes(router: Router, audit: AuditLog): void {
  router.get('/api/v1/audit', async (ctx) => {
    const number = (name: string): number | undefined => {
      const raw = ctx.query[name]
      if (raw === undefined) return undefined
      if (typeof raw !== 'string' || !/^\d+$/.test(raw))
        throw new InvalidInputError(`"${name}" must be a number`)
      return Number(raw)
    }
    const since = number('since')
    const limit = number('limit') ?? 1000
    ctx.body = await audit.page({ ...(since === undefined ? {} : { since }), limit })
  })
}
