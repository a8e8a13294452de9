// A small NGSI-LD (ETSI GS CIM 009) broker on 127.0.0.1 for tests and the demo, read-only and
// dependency-free. GET /ngsi-ld/v1/entities with type (comma list), q (== != > >= < <=, ';' and,
// '|' or, parentheses, attr or attr.subProperty), limit/offset (and count=true →
// NGSILD-Results-Count), GET /ngsi-ld/v1/entities/{id}. Entities are in normalized form; q compares
// a Property's value, a Relationship's object. Answers application/ld+json (each entity with its
// @context) when asked, else application/json with the context in a Link header.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An NGSI-LD entity in normalized form. */
export interface NgsiLdEntity {
  readonly id: string
  readonly type: string
  readonly [attribute: string]: unknown
}

export interface NgsiLdServerInit {
  /** Port on 127.0.0.1; 0 (default) takes a free one. */
  readonly port?: number
  readonly entities: readonly NgsiLdEntity[]
  /** When set, requests must carry `NGSILD-Tenant` with this value (else 404, as Orion-LD does). */
  readonly tenant?: string
  /** `limit` when the request has none (the standard's default is 20). */
  readonly defaultLimit?: number
  /** Largest `limit` accepted; larger is 400 (default 1000). */
  readonly maxLimit?: number
  /** Also send `Link: <…>; rel="next"` for the following page, as some brokers do. */
  readonly nextLinks?: boolean
  /** Headers every request must carry (lower-case names); otherwise 401. */
  readonly requiredHeaders?: Readonly<Record<string, string>>
}

export interface NgsiLdServer {
  /** Broker origin, e.g. http://127.0.0.1:40124; the API is under `/ngsi-ld/v1`. */
  readonly url: string
  /** Path and query of every request, in order. */
  readonly requests: string[]
  /** Request headers of every request, in order. */
  readonly requestHeaders: Record<string, string | string[] | undefined>[]
  close(): Promise<void>
}

/** The NGSI-LD core context. */
export const NGSI_LD_CORE_CONTEXT = 'https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.8.jsonld'

const ERRORS = 'https://uri.etsi.org/ngsi-ld/errors/'

/** Starts the broker on 127.0.0.1 at a free port. */
export async function startNgsiLdServer(init: NgsiLdServerInit): Promise<NgsiLdServer> {
  const entities = init.entities.map((e) => ({ ...e }))
  const requests: string[] = []
  const requestHeaders: Record<string, string | string[] | undefined>[] = []
  let origin = ''

  const handle = (req: IncomingMessage, res: ServerResponse): undefined => {
    requests.push(req.url ?? '')
    requestHeaders.push({ ...req.headers })
    for (const [name, value] of Object.entries(init.requiredHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) {
        return problem(res, 401, 'NotAuthorized', 'missing or wrong credentials')
      }
    }
    if (req.method !== 'GET') return problem(res, 405, 'OperationNotSupported', 'this broker is read-only')
    if (init.tenant !== undefined && req.headers['ngsild-tenant'] !== init.tenant) {
      return problem(
        res,
        404,
        'NonexistentTenant',
        `tenant ${String(req.headers['ngsild-tenant'])} does not exist`,
      )
    }
    const url = new URL(req.url ?? '/', origin)
    const ld = (req.headers.accept ?? '').includes('application/ld+json')
    const context = linkedContext(req.headers.link) ?? NGSI_LD_CORE_CONTEXT
    const present = (entity: NgsiLdEntity): Record<string, unknown> =>
      ld ? { ...entity, '@context': context } : { ...entity }
    const headers: Record<string, string> = ld
      ? { 'content-type': 'application/ld+json' }
      : {
          'content-type': 'application/json',
          link: `<${context}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`,
        }

    const single = /^\/ngsi-ld\/v1\/entities\/([^/]+)$/.exec(url.pathname)
    if (single !== null) {
      const id = decodeURIComponent(single[1]!)
      const found = entities.find((e) => e.id === id)
      if (found === undefined) return problem(res, 404, 'ResourceNotFound', `no entity ${id}`)
      return send(res, 200, present(found), headers)
    }
    if (url.pathname !== '/ngsi-ld/v1/entities') {
      return problem(res, 404, 'ResourceNotFound', `no such path ${url.pathname}`)
    }
    const type = url.searchParams.get('type')
    const q = url.searchParams.get('q')
    if (type === null && q === null) {
      return problem(res, 400, 'BadRequestData', 'an entities query needs at least type or q')
    }
    const limit = integer(url.searchParams.get('limit')) ?? init.defaultLimit ?? 20
    const offset = integer(url.searchParams.get('offset')) ?? 0
    if (Number.isNaN(limit) || Number.isNaN(offset)) {
      return problem(res, 400, 'BadRequestData', 'limit and offset must be non-negative integers')
    }
    if (limit > (init.maxLimit ?? 1000)) {
      return problem(
        res,
        400,
        'BadRequestData',
        `limit ${limit} exceeds the maximum ${init.maxLimit ?? 1000}`,
      )
    }
    let predicate: (entity: NgsiLdEntity) => boolean
    try {
      predicate = q === null ? () => true : parseQ(q)
    } catch (error) {
      return problem(res, 400, 'InvalidRequest', `q: ${(error as Error).message}`)
    }
    const types = type === null ? undefined : new Set(type.split(','))
    const matches = entities.filter((e) => (types === undefined || types.has(e.type)) && predicate(e))
    const page = matches.slice(offset, offset + limit)
    if (url.searchParams.get('count') === 'true') headers['ngsild-results-count'] = String(matches.length)
    if (init.nextLinks === true && offset + limit < matches.length) {
      const next = new URL(url.toString())
      next.searchParams.set('offset', String(offset + limit))
      next.searchParams.set('limit', String(limit))
      headers.link = [
        headers.link,
        `<${next.pathname}${next.search}>; rel="next"; type="application/ld+json"`,
      ]
        .filter((v) => v !== undefined)
        .join(', ')
    }
    return send(res, 200, page.map(present), headers)
  }

  const server = createServer(handle)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(init.port ?? 0, '127.0.0.1', () => resolve())
  })
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: origin,
    requests,
    requestHeaders,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      }),
  }
}

function integer(raw: string | null): number | undefined {
  if (raw === null) return undefined
  return /^\d+$/.test(raw) ? Number(raw) : Number.NaN
}

function linkedContext(link: string | string[] | undefined): string | undefined {
  const value = Array.isArray(link) ? link[0] : link
  const match = /<([^>]+)>\s*;[^,]*rel="http:\/\/www\.w3\.org\/ns\/json-ld#context"/.exec(value ?? '')
  return match?.[1]
}

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): undefined {
  const text = JSON.stringify(body)
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) })
  res.end(text)
}

function problem(res: ServerResponse, status: number, type: string, detail: string): undefined {
  send(res, status, { type: `${ERRORS}${type}`, title: type, detail }, { 'content-type': 'application/json' })
}

type Predicate = (entity: NgsiLdEntity) => boolean

/** Parses the NGSI-LD query language subset described at the top of this file. */
export function parseQ(q: string): Predicate {
  let at = 0
  const peek = (): string => q[at] ?? ''
  const orTerm = (): Predicate => {
    const parts = [andTerm()]
    while (peek() === '|') {
      at++
      parts.push(andTerm())
    }
    return (e) => parts.some((p) => p(e))
  }
  const andTerm = (): Predicate => {
    const parts = [factor()]
    while (peek() === ';') {
      at++
      parts.push(factor())
    }
    return (e) => parts.every((p) => p(e))
  }
  const factor = (): Predicate => {
    if (peek() === '(') {
      at++
      const inner = orTerm()
      if (peek() !== ')') throw new Error(`expected ")" at ${at}`)
      at++
      return inner
    }
    const path = /^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)?/.exec(q.slice(at))
    if (path === null) throw new Error(`expected an attribute name at ${at}`)
    at += path[0].length
    const op = /^(==|!=|>=|<=|>|<)/.exec(q.slice(at))
    if (op === null) return (e) => attributeValue(e, path[0]) !== undefined
    at += op[0].length
    let raw: string
    if (peek() === '"') {
      const end = q.indexOf('"', at + 1)
      if (end < 0) throw new Error('unterminated string')
      raw = q.slice(at, end + 1)
      at = end + 1
    } else {
      const value = /^[^;|()]+/.exec(q.slice(at))
      if (value === null) throw new Error(`expected a value at ${at}`)
      raw = value[0]
      at += raw.length
    }
    const expected = parseValue(raw)
    const name = path[0]
    const operator = op[0]
    return (e) => test(attributeValue(e, name), operator, expected)
  }
  const predicate = orTerm()
  if (at !== q.length) throw new Error(`unexpected "${q.slice(at)}"`)
  return predicate
}

function parseValue(raw: string): string | number {
  if (raw.startsWith('"')) return raw.slice(1, -1)
  return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw
}

function attributeValue(entity: NgsiLdEntity, path: string): unknown {
  const [name, sub] = path.split('.') as [string, string | undefined]
  const attribute = entity[name]
  if (attribute === undefined || attribute === null) return undefined
  if (typeof attribute !== 'object') return attribute
  const record = attribute as Record<string, unknown>
  if (sub !== undefined) {
    const inner = record[sub]
    return typeof inner === 'object' && inner !== null && 'value' in inner
      ? unwrap((inner as { value: unknown }).value)
      : inner
  }
  if (record.type === 'Relationship') return record.object
  return 'value' in record ? unwrap(record.value) : undefined
}

/** A DateTime in normalized form is `{"@type": "DateTime", "@value": "…"}`. */
function unwrap(value: unknown): unknown {
  return typeof value === 'object' && value !== null && '@value' in value
    ? (value as { '@value': unknown })['@value']
    : value
}

function test(actual: unknown, op: string, expected: string | number): boolean {
  if (actual === undefined) return false
  let a: number | string
  let b: number | string
  if (typeof actual === 'number' && typeof expected === 'number') {
    a = actual
    b = expected
  } else if (
    typeof actual === 'string' &&
    typeof expected === 'string' &&
    isDateTime(actual) &&
    isDateTime(expected)
  ) {
    a = Date.parse(actual)
    b = Date.parse(expected)
  } else {
    a = String(actual)
    b = String(expected)
  }
  switch (op) {
    case '==':
      return a === b
    case '!=':
      return a !== b
    case '>':
      return a > b
    case '>=':
      return a >= b
    case '<':
      return a < b
    default:
      return a <= b
  }
}

function isDateTime(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))
}
