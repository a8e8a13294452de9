// A small OGC SensorThings API (v1.1) server on 127.0.0.1: the demo's stand-in for a city's FROST
// server (water levels), and the source tests' counterpart. Dependency-free.
// It answers in FROST's shapes: collections {"@iot.count"?, "value": [...], "@iot.nextLink"?},
// entities with "@iot.id" and "@iot.selfLink", $filter on phenomenonTime/resultTime (ge gt le lt eq,
// joined by "and"), $orderby (phenomenonTime, resultTime, id; asc/desc), $top, $skip, $count.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An Observation as the server stores it; `@iot.id` is assigned when missing. */
export interface SensorThingsObservation {
  readonly '@iot.id'?: number | string
  readonly phenomenonTime: string
  readonly resultTime?: string | null
  readonly result: unknown
  readonly [key: string]: unknown
}

/** Entity sets besides Observations the server can list and look up by `@iot.id`. */
export type SensorThingsEntitySet =
  | 'Things'
  | 'Locations'
  | 'Datastreams'
  | 'Sensors'
  | 'ObservedProperties'
  | 'FeaturesOfInterest'

export interface SensorThingsServerInit {
  /** Port on 127.0.0.1; 0 (default) takes a free one. */
  readonly port?: number
  /** Observations per Datastream `@iot.id`; an array means Datastream 1. */
  readonly observations:
    | readonly SensorThingsObservation[]
    | Readonly<Record<string, readonly SensorThingsObservation[]>>
  /** Entities of a collection when `$top` is absent (FROST's defaultTop); default 100. */
  readonly pageSize?: number
  /** Largest `$top` honoured (FROST's maxTop); default 1000. */
  readonly maxTop?: number
  /** Metadata entities, each with an `@iot.id`. */
  readonly entities?: Partial<Record<SensorThingsEntitySet, readonly Record<string, unknown>[]>>
  /** Headers every request must carry (lower-case names); otherwise 401. */
  readonly requiredHeaders?: Readonly<Record<string, string>>
}

export interface SensorThingsServer {
  /** Origin, e.g. http://127.0.0.1:40123; the service root is `${url}/v1.1`. */
  readonly url: string
  /** Path and query of every request, in order. */
  readonly requests: string[]
  /** Appends observations to a Datastream (as a sensor would); ids are assigned. */
  addObservations(datastreamId: string | number, observations: readonly SensorThingsObservation[]): void
  close(): Promise<void>
}

interface Comparison {
  readonly field: 'phenomenonTime' | 'resultTime'
  readonly op: 'ge' | 'gt' | 'le' | 'lt' | 'eq'
  readonly value: number
}

/** Starts the server on 127.0.0.1 at a free port. */
export async function startSensorThingsServer(init: SensorThingsServerInit): Promise<SensorThingsServer> {
  const pageSize = init.pageSize ?? 100
  const maxTop = init.maxTop ?? 1000
  const store = new Map<string, Record<string, unknown>[]>()
  let nextId = 1
  const add = (datastreamId: string | number, observations: readonly SensorThingsObservation[]): void => {
    const key = String(datastreamId)
    const list = store.get(key) ?? []
    for (const observation of observations) {
      const id = observation['@iot.id'] ?? nextId
      if (typeof id === 'number' && id >= nextId) nextId = id + 1
      list.push({ ...observation, '@iot.id': id })
    }
    store.set(key, list)
  }
  if (Array.isArray(init.observations)) add(1, init.observations)
  else {
    for (const [id, list] of Object.entries(init.observations as Record<string, SensorThingsObservation[]>)) {
      add(id, list)
    }
  }

  const requests: string[] = []
  let origin = ''

  const handle = (req: IncomingMessage, res: ServerResponse): undefined => {
    requests.push(req.url ?? '')
    for (const [name, value] of Object.entries(init.requiredHeaders ?? {})) {
      if (req.headers[name.toLowerCase()] !== value) {
        return sendError(res, 401, 'Unauthorized', 'missing or wrong credentials')
      }
    }
    if (req.method !== 'GET') return sendError(res, 405, 'Method Not Allowed', 'only GET is supported')
    const url = new URL(req.url ?? '/', origin)
    const match = /^\/v1\.[01](?:\/(\w+)(?:\((\d+|'(?:[^']|'')*')\))?(?:\/(\w+))?)?\/?$/.exec(url.pathname)
    if (match === null) return sendError(res, 404, 'Not Found', `no such path ${url.pathname}`)
    const root = `${origin}${url.pathname.slice(0, 5)}`
    const [, set, rawId, sub] = match
    if (set === undefined) {
      const sets = [
        'Things',
        'Locations',
        'Datastreams',
        'Sensors',
        'ObservedProperties',
        'FeaturesOfInterest',
      ]
      return sendJson(res, 200, {
        value: [...sets, 'Observations'].map((name) => ({ name, url: `${root}/${name}` })),
      })
    }
    const id =
      rawId === undefined
        ? undefined
        : rawId.startsWith("'")
          ? rawId.slice(1, -1).replaceAll("''", "'")
          : rawId
    try {
      if (set === 'Datastreams' && id !== undefined && sub === 'Observations') {
        const datastreams = init.entities?.Datastreams
        const exists =
          datastreams === undefined ? store.has(id) : datastreams.some((d) => String(d['@iot.id']) === id)
        if (!exists) {
          return sendError(res, 404, 'Not Found', `no Datastream ${id}`)
        }
        const list = (store.get(id) ?? []).map((o) => ({
          ...o,
          '@iot.selfLink': `${root}/Observations(${o['@iot.id']})`,
          'Datastream@iot.navigationLink': `${root}/Observations(${o['@iot.id']})/Datastream`,
          'FeatureOfInterest@iot.navigationLink': `${root}/Observations(${o['@iot.id']})/FeatureOfInterest`,
        }))
        return sendCollection(res, url, list)
      }
      if (sub !== undefined) return sendError(res, 404, 'Not Found', `no navigation ${sub} here`)
      if (set === 'Observations') {
        const all = [...store.values()].flat()
        if (id === undefined) return sendCollection(res, url, all)
        const found = all.find((o) => String(o['@iot.id']) === id)
        return found === undefined
          ? sendError(res, 404, 'Not Found', `no Observation ${id}`)
          : sendJson(res, 200, found)
      }
      const entities = init.entities?.[set as SensorThingsEntitySet]
      if (entities === undefined) return sendError(res, 404, 'Not Found', `no entity set ${set}`)
      const linked = entities.map(
        (e): Record<string, unknown> => ({ ...e, '@iot.selfLink': `${root}/${set}(${e['@iot.id']})` }),
      )
      if (id === undefined) return sendCollection(res, url, linked)
      const found = linked.find((e) => String(e['@iot.id']) === id)
      return found === undefined
        ? sendError(res, 404, 'Not Found', `no ${set} ${id}`)
        : sendJson(res, 200, found)
    } catch (error) {
      return sendError(res, 400, 'Bad Request', (error as Error).message)
    }
  }

  const sendCollection = (
    res: ServerResponse,
    url: URL,
    all: readonly Record<string, unknown>[],
  ): undefined => {
    const filter = url.searchParams.get('$filter')
    const comparisons = filter === null ? [] : parseFilter(filter)
    let rows = all.filter((row) => comparisons.every((c) => compare(row, c)))
    const orderBy = url.searchParams.get('$orderby')
    if (orderBy !== null) rows = [...rows].sort(comparator(orderBy))
    const top = Math.min(integerParam(url, '$top') ?? pageSize, maxTop)
    const skip = integerParam(url, '$skip') ?? 0
    const page = rows.slice(skip, skip + top)
    const body: Record<string, unknown> = {}
    if (url.searchParams.get('$count') === 'true') body['@iot.count'] = rows.length
    body.value = page
    if (skip + top < rows.length) {
      const next = new URL(url.toString())
      next.searchParams.set('$top', String(top))
      next.searchParams.set('$skip', String(skip + top))
      body['@iot.nextLink'] = next.toString()
    }
    sendJson(res, 200, body)
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
    addObservations: add,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error === undefined ? resolve() : reject(error)))
      }),
  }
}

function integerParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name)
  if (raw === null) return undefined
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a non-negative integer`)
  return Number(raw)
}

function parseFilter(filter: string): Comparison[] {
  return filter.split(/\s+and\s+/i).map((term) => {
    const match = /^\s*(phenomenonTime|resultTime)\s+(ge|gt|le|lt|eq)\s+(\S+)\s*$/.exec(term)
    if (match === null) throw new Error(`unsupported $filter term: ${term}`)
    const value = Date.parse(match[3]!.replace(/^'|'$/g, ''))
    if (Number.isNaN(value)) throw new Error(`not a date-time in $filter: ${match[3]}`)
    return { field: match[1] as Comparison['field'], op: match[2] as Comparison['op'], value }
  })
}

function timeOf(row: Record<string, unknown>, field: string): number {
  const value = row[field]
  return typeof value === 'string' ? Date.parse(value.split('/')[0]!) : Number.NaN
}

function compare(row: Record<string, unknown>, c: Comparison): boolean {
  const t = timeOf(row, c.field)
  if (Number.isNaN(t)) return false
  switch (c.op) {
    case 'ge':
      return t >= c.value
    case 'gt':
      return t > c.value
    case 'le':
      return t <= c.value
    case 'lt':
      return t < c.value
    case 'eq':
      return t === c.value
  }
}

function comparator(orderBy: string): (a: Record<string, unknown>, b: Record<string, unknown>) => number {
  const keys = orderBy.split(',').map((part) => {
    const [field, dir = 'asc'] = part.trim().split(/\s+/)
    if (field !== 'phenomenonTime' && field !== 'resultTime' && field !== 'id') {
      throw new Error(`unsupported $orderby field: ${field}`)
    }
    if (dir !== 'asc' && dir !== 'desc') throw new Error(`unsupported $orderby direction: ${dir}`)
    return { field, sign: dir === 'asc' ? 1 : -1 }
  })
  return (a, b) => {
    for (const { field, sign } of keys) {
      const x = field === 'id' ? a['@iot.id'] : timeOf(a, field)
      const y = field === 'id' ? b['@iot.id'] : timeOf(b, field)
      if (x === y) continue
      return ((x as number) < (y as number) ? -1 : 1) * sign
    }
    return 0
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): undefined {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  })
  res.end(text)
}

function sendError(res: ServerResponse, status: number, type: string, message: string): undefined {
  sendJson(res, status, { code: status, type, message })
}
