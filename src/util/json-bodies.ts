import type Koa from 'koa'

/**
 * Makes `app` turn a plain object or array given as a response body into its JSON text at once. koa asks
 * any other body whether it is a fetch `Response`, and the first such question loads Node's fetch
 * implementation (about 2 MB of heap) into a node that never fetches: a member talks to its peers over
 * libp2p. The answer stays as koa gives it: the same text, `application/json` unless a JSON type was set,
 * its length counted. Reading `ctx.body` back then gives the text.
 */
export function jsonBodiesAsText(app: Koa): void {
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
