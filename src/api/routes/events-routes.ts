import { PassThrough } from 'node:stream'
import type { Router } from '@koa/router'
import type { LiveEvents } from '../live-events.js'

/** A comment line keeps proxies and browsers from closing an idle stream. */
const KEEPALIVE_MS = 20_000

/**
 * `GET /api/v1/events`: the node's changes as server-sent events (`event: negotiation`,
 * `data: {"id":…,"state":…}`), so the dashboard updates without reloading.
 */
export function eventsRoutes(router: Router, events: LiveEvents): void {
  router.get('/api/v1/events', (ctx) => {
    const stream = new PassThrough()
    ctx.req.socket.setTimeout(0)
    ctx.req.socket.setNoDelay(true)
    ctx.set({ 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' })
    ctx.type = 'text/event-stream'
    ctx.status = 200
    ctx.body = stream
    stream.write('retry: 2000\n\n')
    const unsubscribe = events.subscribe((event) => {
      stream.write(`event: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`)
    })
    const keepalive = setInterval(() => stream.write(': keepalive\n\n'), KEEPALIVE_MS)
    const close = () => {
      clearInterval(keepalive)
      unsubscribe()
      stream.end()
    }
    ctx.req.once('close', close)
    stream.once('error', close)
  })
}
