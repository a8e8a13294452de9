import type { Middleware } from 'koa'
import { InvalidInputError } from '../../protocol/errors.js'
import { checkJsonDepth } from '../../protocol/message-codec.js'
import { PayloadTooLargeError } from '../errors.js'

/** Parses JSON request bodies up to `limit` bytes (and `MAX_JSON_DEPTH` levels) into `ctx.request.body`. */
export function jsonBody(options: { limit: number }): Middleware {
  return async function jsonBodyMiddleware(ctx, next) {
    if (!['POST', 'PUT', 'PATCH'].includes(ctx.method)) return next()
    const declared = Number(ctx.get('content-length') || 0)
    if (declared > options.limit) throw new PayloadTooLargeError(options.limit)
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of ctx.req) {
      size += (chunk as Buffer).length
      if (size > options.limit) throw new PayloadTooLargeError(options.limit)
      chunks.push(chunk as Buffer)
    }
    const text = Buffer.concat(chunks).toString('utf8')
    if (text.trim() !== '') {
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch (cause) {
        throw new InvalidInputError(`request body is not valid JSON: ${(cause as Error).message}`, { cause })
      }
      checkJsonDepth(body, (message) => new InvalidInputError(`request body: ${message}`))
      ;(ctx.request as { body?: unknown }).body = body
    }
    return next()
  }
}
