import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '../../../../src/protocol/errors.js'
import {
  InvalidSourceSpecError,
  openSource,
  SourceAbortedError,
  validateSourceSpec,
} from '../../../../src/transfer/sources/index.js'

function rejectsField(value: unknown, field: string, pattern?: RegExp): void {
  assert.throws(
    () => validateSourceSpec(value),
    (error: unknown) => {
      assert.ok(error instanceof InvalidSourceSpecError)
      assert.equal(error.code, 'ALLMENDE_INVALID_SOURCE_SPEC')
      assert.equal(error.field, field)
      if (pattern !== undefined) assert.match(error.message, pattern)
      return true
    },
  )
}

describe('validateSourceSpec', () => {
  it('accepts each kind and returns it unchanged', () => {
    const specs = [
      { kind: 'file', path: 'data/pegel.csv', mediaType: 'text/csv' },
      {
        kind: 'http',
        url: 'https://daten.kusel.de/pegel.csv',
        headers: { 'X-Client': 'allmende' },
        credentialRef: 'kusel',
      },
      {
        kind: 'sensorthings',
        baseUrl: 'https://frost.kusel.de/FROST-Server',
        datastreamId: 7,
        follow: true,
        pollIntervalMs: 60000,
      },
      { kind: 'sensorthings', baseUrl: 'https://frost.kusel.de/v1.1', datastreamId: 'glan-altenglan-w' },
      {
        kind: 'ngsi-ld',
        brokerUrl: 'https://broker.kl.de',
        type: 'TrafficFlowObserved',
        q: 'laneId==1',
        tenant: 'kl',
      },
    ]
    for (const spec of specs) assert.equal(validateSourceSpec(spec), spec)
  })

  it('survives a JSON round trip (it is stored with the dataset)', () => {
    const spec = {
      kind: 'ngsi-ld',
      brokerUrl: 'https://broker.kl.de',
      type: 'TrafficFlowObserved',
      pageSize: 200,
    }
    assert.deepEqual(validateSourceSpec(JSON.parse(JSON.stringify(spec))), spec)
  })

  it('names the field that is wrong', () => {
    rejectsField(null, 'source', /JSON object/)
    rejectsField({ kind: 'ftp', path: 'x' }, 'kind', /file, http, sensorthings, ngsi-ld/)
    rejectsField({ kind: 'file' }, 'path', /non-empty string/)
    rejectsField(
      { kind: 'file', path: 'x', url: 'https://a' },
      'url',
      /unknown field.*allowed: kind, path, mediaType/,
    )
    rejectsField({ kind: 'http', url: 'not a url' }, 'url', /absolute http\(s\) URL/)
    rejectsField({ kind: 'http', url: 'file:///etc/passwd' }, 'url', /http or https/)
    rejectsField({ kind: 'sensorthings', baseUrl: 'https://f', datastreamId: -1 }, 'datastreamId')
    rejectsField({ kind: 'sensorthings', baseUrl: 'https://f', datastreamId: 1, follow: 'yes' }, 'follow')
    rejectsField(
      { kind: 'sensorthings', baseUrl: 'https://f', datastreamId: 1, pollIntervalMs: 1 },
      'pollIntervalMs',
    )
    rejectsField({ kind: 'ngsi-ld', brokerUrl: 'https://b' }, 'type')
    rejectsField(
      { kind: 'ngsi-ld', brokerUrl: 'https://b', type: 'T', pageSize: 5000 },
      'pageSize',
      /1 to 1000/,
    )
    rejectsField({ kind: 'ngsi-ld', brokerUrl: 'https://b', type: 'T', timeProperty: 'a;b' }, 'timeProperty')
    rejectsField({ kind: 'file', path: 'x', mediaType: 'csv' }, 'mediaType')
    rejectsField({ kind: 'http', url: 'https://a', headers: { 'X-A': 'line\r\nInjected: 1' } }, 'headers.X-A')
  })

  it('keeps credentials out of stored specs', () => {
    rejectsField({ kind: 'http', url: 'https://user:pw@daten.kusel.de/x' }, 'url', /credentialRef/)
    rejectsField(
      { kind: 'http', url: 'https://a', headers: { Authorization: 'Bearer x' } },
      'headers.Authorization',
      /credentialRef/,
    )
    rejectsField(
      { kind: 'ngsi-ld', brokerUrl: 'https://b', type: 'T', headers: { cookie: 's=1' } },
      'headers.cookie',
    )
    // The message must not repeat the rejected secret.
    assert.throws(
      () =>
        validateSourceSpec({
          kind: 'http',
          url: 'https://a',
          headers: { Authorization: 'Bearer geheim-4711' },
        }),
      (error: unknown) => error instanceof Error && !error.message.includes('geheim-4711'),
    )
    assert.throws(
      () => validateSourceSpec({ kind: 'http', url: 'https://kreis:geheim-4711@a.de/' }),
      (error: unknown) => error instanceof Error && !error.message.includes('geheim-4711'),
    )
  })
})

describe('openSource options', () => {
  const file = { kind: 'file', path: 'package.json' } as const
  it('refuses a malformed range or time query as input errors', async () => {
    await assert.rejects(openSource(file, { range: { offset: -1 } }), InvalidInputError)
    await assert.rejects(openSource(file, { range: { offset: 1.5 } }), InvalidInputError)
    await assert.rejects(openSource(file, { range: { offset: 0, length: -3 } }), InvalidInputError)
    await assert.rejects(openSource(file, { query: { from: 'gestern' } }), /query\.from must be an ISO 8601/)
    await assert.rejects(
      openSource(file, { query: { from: '2025-10-27T00:00:00Z', to: '2025-10-26T00:00:00Z' } }),
      /lies after query\.to/,
    )
    await assert.rejects(openSource(file, { maxChunkBytes: 0 }), InvalidInputError)
  })

  it('validates the spec before touching the source', async () => {
    await assert.rejects(openSource({ kind: 'file' } as never), InvalidSourceSpecError)
  })

  it('refuses to open with an already aborted signal', async () => {
    await assert.rejects(openSource(file, { signal: AbortSignal.abort() }), SourceAbortedError)
  })
})
