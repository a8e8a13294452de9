import { pipeline } from 'node:stream'
import type Koa from 'koa'

/**
 * Makes `app` answer without loading Node's fetch implementation into a node that never fetches (a member
 * talks to its peers over libp2p): koa asks every body that is not text or bytes whether it is a fetch
 * `Response`, and the first such question loads undici, about 45 ms of CPU and several MiB of memory per
 * process. Call it on a new app, before any `use`: JSON bodies become text at once ({@link jsonBodiesAsText})
 * and stream bodies are piped by the outermost middleware ({@link streamBodiesPiped}).
 */
export function bodiesWithoutFetch(app: Koa): void {
  jsonBodiesAsText(app)
  streamBodiesPiped(app)
}

/**
 * A plain object or array given as a response body becomes its JSON text at once. The answer stays as koa
 * gives it: the same text, `application/json` unless a JSON type was set, its length counted. Reading
 * `ctx.body` back then gives the text.
 */
function jsonBodiesAsText(app: Koa): void {
  const body = propertyOf(Object.getPrototypeOf(app.response) as object, 'body')
  Object.defineProperty(app.response, 'body', {
    configurable: true,
    get(this: Koa.Response) {
      return body.get?.call(this)
    },
    set(this: Koa.Response, value: unknown) {
      if (!isPlainJson(value)) {
        body.set?.call(this, value)
        return
      }
      // The full type, set before the text: koa would name a type by extension ('text', then 'json'), and its
      // mime-types reads all 2,500 types of mime-db at the first such lookup (about 19 ms of CPU per node).
      if (!/\bjson\b/i.test(this.type)) this.type = 'application/json; charset=utf-8'
      body.set?.call(this, JSON.stringify(value))
    },
  })
}

/** Statuses whose answer has no body (koa's `statuses.empty`). */
const BODILESS_STATUSES = new Set([204, 205, 304])

/**
 * A Node stream given as a response body (server-sent events, a data pull, a backup) is piped to the
 * response here, after every other middleware, as koa's own answer would: koa then answers nothing itself
 * (`ctx.respond = false`). Setting the body still does what koa does (type, length, the stream destroyed
 * when the response ends).
 */
function streamBodiesPiped(app: Koa): void {
  app.use(async (ctx, next) => {
    await next()
    const body: unknown = ctx.body
    if (ctx.respond === false || !isNodeStream(body)) return
    ctx.respond = false
    if (!ctx.writable) return
    if (ctx.method === 'HEAD' || BODILESS_STATUSES.has(ctx.status)) {
      ctx.res.end()
      return
    }
    pipeline(body, ctx.res, (error) => {
      if (error && ctx.app.listenerCount('error') > 0) ctx.onerror(error)
    })
  })
}

function isNodeStream(value: unknown): value is NodeJS.ReadableStream {
  return (
    typeof value === 'object' && value !== null && typeof (value as { pipe?: unknown }).pipe === 'function'
  )
}

function isPlainJson(value: unknown): value is object {
  if (Array.isArray(value)) return true
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function propertyOf(object: object, name: string): PropertyDescriptor {
  for (let o: object | null = object; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name)
    if (descriptor !== undefined) return descriptor
  }
  throw new TypeError(`koa's response has no ${name}`)
}
