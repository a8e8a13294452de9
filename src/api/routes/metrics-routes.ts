import type { Router } from '@koa/router'
import { collectMetrics, type MetricsSource, PROMETHEUS_CONTENT_TYPE, renderMetrics } from '../metrics.js'

/**
 * `GET /metrics`: the node's figures in the Prometheus text exposition format 0.0.4, read fresh
 * from `source` on every scrape. Bearer-protected like the rest of the API (configure the scraper's
 * `authorization` with the node's api-token).
 */
export function metricsRoutes(router: Router, source: MetricsSource): void {
  router.get('/metrics', async (ctx) => {
    const text = renderMetrics(await collectMetrics(source))
    ctx.type = PROMETHEUS_CONTENT_TYPE
    ctx.body = text
  })
}
