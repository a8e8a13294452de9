import type { Middleware } from 'koa'
import type { Logger } from '../../log/index.js'
import { httpStatusOf } from '../errors.js'

/** Turns every thrown error into `{"error":{"code","message","details"?}}` with the right status. */
export function errors(options: { log: Logger }): Middleware {
  return async function errorsMiddleware(ctx, next) {
    try {
      await next()
      if (ctx.status === 404 && ctx.body === undefined) {
        ctx.status = 404
        ctx.body = { error: { code: 'ALLMENDE_NOT_FOUND', message: `no route ${ctx.method} ${ctx.path}` } }
      }
    } catch (error) {
      const { status, code, message } = httpStatusOf(error)
      if (status >= 500) options.log.error({ err: error, path: ctx.path }, 'API request failed')
      ctx.status = status
      // client faults may carry structured findings (the validator's codes and params)
      const details = status < 500 ? (error as { details?: unknown }).details : undefined
      ctx.body = { error: { code, message, ...(details === undefined ? {} : { details }) } }
    }
  }
}
