import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Router } from '@koa/router'
import {
  ApiServer,
  httpStatusOf,
  nodeRoutes,
  openapiDocumentPath,
  openapiRoutes,
} from '../../../src/api/index.js'
import { createSilentLogger } from '../../../src/log/index.js'
import { AllmendeError, ERROR_TABLE } from '../../../src/protocol/index.js'
import { repoRoot } from '../../support/repo.js'

type Json = Record<string, unknown>
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const
const root = repoRoot()
const doc = JSON.parse(readFileSync(join(root, 'spec', 'openapi.json'), 'utf8')) as Json
const paths = doc.paths as Record<string, Record<string, Json>>
const components = doc.components as Record<string, Record<string, Json>>

/** `METHOD /path` of every `router.<method>('<path>'` in the route modules, koa `:id` as OpenAPI `{id}`. */
function implementedRoutes(): Set<string> {
  const dir = join(root, 'src', 'api', 'routes')
  const found = new Set<string>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8')
    for (const match of source.matchAll(/router\.(get|post|put|delete|patch)\(\s*'([^']+)'/g)) {
      found.add(`${match[1]!.toUpperCase()} ${match[2]!.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`)
    }
  }
  return found
}

function documentedRoutes(): Set<string> {
  const found = new Set<string>()
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) if (item[method] !== undefined) found.add(`${method.toUpperCase()} ${path}`)
  }
  return found
}

function operations(): { route: string; operation: Json; pathParams: Json[] }[] {
  const out: { route: string; operation: Json; pathParams: Json[] }[] = []
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method]
      if (operation === undefined) continue
      const params = [
        ...((item.parameters as unknown as Json[] | undefined) ?? []),
        ...((operation.parameters as Json[] | undefined) ?? []),
      ]
      out.push({
        route: `${method.toUpperCase()} ${path}`,
        operation,
        pathParams: params.filter((p) => p.in === 'path'),
      })
    }
  }
  return out
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out)
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') out.push(v)
      else refsIn(v, out)
    }
  }
  return out
}

describe('spec/openapi.json', () => {
  it('is an OpenAPI 3.1 document with bearer auth on by default', () => {
    assert.match(String(doc.openapi), /^3\.1\.\d+$/)
    assert.deepEqual(components.securitySchemes, {
      apiToken: {
        type: 'http',
        scheme: 'bearer',
        description: 'The contents of `<node directory>/api-token`.',
      },
    })
    assert.deepEqual(doc.security, [{ apiToken: [] }])
  })

  it('documents every route the route modules register, and no other', () => {
    const implemented = implementedRoutes()
    const documented = documentedRoutes()
    assert.ok(implemented.size >= 30, `only ${implemented.size} routes parsed from src/api/routes`)
    assert.deepEqual(
      [...implemented].filter((r) => !documented.has(r)),
      [],
      'routes missing from spec/openapi.json',
    )
    assert.deepEqual(
      [...documented].filter((r) => !implemented.has(r)),
      [],
      'documented routes no module registers',
    )
  })

  it('opens exactly the paths the API serves without a token', () => {
    const open = operations()
      .filter(({ operation }) => Array.isArray(operation.security) && operation.security.length === 0)
      .map(({ route }) => route)
    assert.deepEqual(open.sort(), [
      'GET /',
      'GET /api/v1/health',
      'GET /api/v1/status-lists/{id}',
      'GET /login',
      'POST /credentials/verify',
      'POST /presentations/verify',
    ])
    for (const { route, operation } of operations()) {
      const responses = operation.responses as Json
      if (!open.includes(route)) assert.ok(responses['401'] !== undefined, `${route} documents no 401`)
      assert.ok(responses['500'] !== undefined, `${route} documents no 500`)
    }
  })

  it('declares each path template parameter, required, and no others', () => {
    for (const { route, pathParams } of operations()) {
      const inTemplate = [...route.matchAll(/\{([^}]+)\}/g)].map((m) => m[1])
      assert.deepEqual(pathParams.map((p) => p.name).sort(), inTemplate.sort(), route)
      for (const p of pathParams) assert.equal(p.required, true, `${route} ${String(p.name)}`)
    }
  })

  it('has unique operation ids and only references that resolve', () => {
    const ids = operations().map(({ operation }) => operation.operationId)
    assert.equal(new Set(ids).size, ids.length)
    for (const ref of refsIn(doc)) {
      const match = /^#\/components\/(schemas|responses)\/(.+)$/.exec(ref)
      assert.ok(match !== null && components[match[1]!]?.[match[2]!] !== undefined, `unresolved ${ref}`)
    }
  })

  it('files each error code under the HTTP status the API answers it with', () => {
    const responses = components.responses as Record<string, { description: string }>
    for (const [name, response] of Object.entries(responses)) {
      const status = Number(name.slice(1))
      const codes = response.description.match(/ALLMENDE_[A-Z0-9_]+/g) ?? []
      assert.ok(codes.length > 0, `${name} names no code`)
      for (const code of codes) {
        const actual =
          code === 'ALLMENDE_INTERNAL'
            ? httpStatusOf(new Error('boom')).status
            : httpStatusOf(new AllmendeError(code, 'x')).status
        assert.equal(actual, status, `${code} is documented under ${status}`)
      }
    }
    for (const { status } of Object.values(ERROR_TABLE)) {
      assert.ok(responses[`E${status}`] !== undefined, `no error response for status ${status}`)
    }
  })
})

describe('openapiRoutes', () => {
  const token = 'openapi-test-token'
  let api: ApiServer
  let url: string

  before(async () => {
    api = new ApiServer(createSilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      token,
      routes: [
        (router) =>
          nodeRoutes(router, {
            identity: () => ({ name: 'n', did: 'did:key:z', peerId: 'p', multiaddrs: [], dataspace: 'd' }),
            peers: async () => [],
            names: async () => ({}),
            connectionChurn: () => ({ admissions: 0, trimmed: 0 }),
            status: async () => ({
              membership: null,
              connectivity: { admittedPeers: 0, knownPeers: 0 },
              warnings: [],
            }),
          }),
        (router) => openapiRoutes(router),
      ],
    })
    url = await api.start()
  })
  after(async () => {
    await api.stop()
  })

  it('serves spec/openapi.json at GET /api/v1/openapi.json to the token holder', async () => {
    const res = await fetch(`${url}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.deepEqual(await res.json(), doc)
  })

  it('refuses it without the token', async () => {
    const res = await fetch(`${url}/api/v1/openapi.json`)
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ALLMENDE_UNAUTHORIZED')
  })

  it('finds the document from the module location', () => {
    assert.equal(openapiDocumentPath(), join(root, 'spec', 'openapi.json'))
  })

  it('refuses to start with a missing document', () => {
    assert.throws(
      () => openapiRoutes(new Router(), { path: join(root, 'spec', 'no-such-openapi.json') }),
      (error: unknown) => error instanceof AllmendeError && error.code === 'ALLMENDE_API_DOCUMENT',
    )
  })
})
