import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { canonicalJson } from '../../../../src/audit/index.js'
import {
  type SensorThingsObservation,
  type SensorThingsServer,
  startSensorThingsServer,
} from '../../../../src/demo/sensorthings-server.js'
import {
  openSource,
  type SensorThingsSourceSpec,
  SourceFormatError,
  SourceResponseError,
} from '../../../../src/transfer/sources/index.js'
import { repoRoot } from '../../../support/repo.js'

const observations: SensorThingsObservation[] = JSON.parse(
  readFileSync(join(repoRoot(), 'examples/data/glan-pegel-observations.json'), 'utf8'),
)
const metadata = JSON.parse(readFileSync(join(repoRoot(), 'examples/data/glan-pegel-metadata.json'), 'utf8'))

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = []
  for await (const chunk of chunks) parts.push(chunk)
  return Buffer.concat(parts)
}

function lines(bytes: Buffer): Record<string, unknown>[] {
  return bytes
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line))
}

// 25 Oct 00:00 to 26 Oct 23:45 UTC: two days around the end of daylight saving time, 192 observations.
const RANGE = { from: '2025-10-25T00:00:00Z', to: '2025-10-26T23:45:00Z' }

describe('openSource({kind: sensorthings})', () => {
  let server: SensorThingsServer
  let spec: SensorThingsSourceSpec
  before(async () => {
    server = await startSensorThingsServer({ observations, pageSize: 50, entities: metadata })
    spec = { kind: 'sensorthings', baseUrl: server.url, datastreamId: 1 }
  })
  after(() => server.close())

  it('pages through @iot.nextLink within a time range, oldest first, as canonical NDJSON', async () => {
    server.requests.length = 0
    const source = await openSource(spec, { query: RANGE })
    assert.equal(source.mediaType, 'application/x-ndjson')
    assert.equal(source.finite, true)
    assert.equal(source.size, undefined)
    const bytes = await readAll(source.chunks)
    const got = lines(bytes)
    const expected = observations.filter(
      (o) => o.phenomenonTime >= '2025-10-25T00:00:00Z' && o.phenomenonTime <= '2025-10-26T23:45:00Z',
    )
    assert.equal(expected.length, 192)
    assert.deepEqual(got, expected)
    // Canonical: sorted keys, no whitespace, no links to the source's internal address.
    assert.equal(bytes.toString('utf8'), expected.map((o) => `${canonicalJson(o)}\n`).join(''))
    assert.ok(!bytes.toString('utf8').includes('127.0.0.1'))
    assert.equal(server.requests.length, 4)
    const first = new URL(server.requests[0]!, server.url)
    assert.equal(first.pathname, '/v1.1/Datastreams(1)/Observations')
    assert.equal(
      first.searchParams.get('$filter'),
      'phenomenonTime ge 2025-10-25T00:00:00.000Z and phenomenonTime le 2025-10-26T23:45:00.000Z',
    )
    assert.equal(first.searchParams.get('$orderby'), 'phenomenonTime asc,id asc')
    assert.equal(new URL(server.requests[3]!, server.url).searchParams.get('$skip'), '150')
  })

  it('gives identical bytes when resumed at any offset', async () => {
    const full = await readAll((await openSource(spec, { query: RANGE })).chunks)
    for (const offset of [1, 57, 4096, Math.floor(full.length / 2), full.length - 1, full.length]) {
      const resumed = await readAll((await openSource(spec, { query: RANGE, range: { offset } })).chunks)
      assert.ok(resumed.equals(full.subarray(offset)), `offset ${offset}`)
    }
    const window = await readAll(
      (await openSource(spec, { query: RANGE, range: { offset: 100, length: 333 } })).chunks,
    )
    assert.ok(window.equals(full.subarray(100, 433)))
  })

  it('reads the whole Datastream without a time range, and asks for pageSize as $top', async () => {
    server.requests.length = 0
    const source = await openSource({ ...spec, pageSize: 200 })
    assert.equal(lines(await readAll(source.chunks)).length, observations.length)
    assert.equal(server.requests.length, Math.ceil(observations.length / 200))
    assert.equal(new URL(server.requests[0]!, server.url).searchParams.get('$top'), '200')
  })

  it('accepts a base URL that already names the version', async () => {
    const source = await openSource({ ...spec, baseUrl: `${server.url}/v1.1/` }, { query: RANGE })
    assert.equal(lines(await readAll(source.chunks)).length, 192)
  })

  it('fails at open for an unknown Datastream with status 404', async () => {
    await assert.rejects(
      openSource({ ...spec, datastreamId: 99 }),
      (error: unknown) =>
        error instanceof SourceResponseError &&
        error.status === 404 &&
        /Datastreams\(99\)/.test(error.message),
    )
  })

  it('treats a closed time range as finite even with follow', async () => {
    const source = await openSource({ ...spec, follow: true, pollIntervalMs: 10 }, { query: RANGE })
    assert.equal(source.finite, true)
    assert.equal(lines(await readAll(source.chunks)).length, 192)
  })
})

describe('openSource({kind: sensorthings, follow: true})', () => {
  it('yields new observations as they arrive and ends cleanly on abort', async () => {
    const server = await startSensorThingsServer({
      observations: { '7': observations.slice(0, 10) },
      pageSize: 4,
    })
    try {
      const controller = new AbortController()
      const source = await openSource(
        { kind: 'sensorthings', baseUrl: server.url, datastreamId: '7', follow: true, pollIntervalMs: 20 },
        { signal: controller.signal },
      )
      assert.equal(source.finite, false)
      const seen: Record<string, unknown>[] = []
      let pending = ''
      for await (const chunk of source.chunks) {
        pending += Buffer.from(chunk).toString('utf8')
        const complete = pending.split('\n')
        pending = complete.pop()!
        for (const line of complete) seen.push(JSON.parse(line))
        if (seen.length === 10) server.addObservations(7, observations.slice(10, 13))
        if (seen.length === 13) controller.abort()
      }
      assert.equal(pending, '')
      assert.deepEqual(
        seen.map((o) => o.phenomenonTime),
        observations.slice(0, 13).map((o) => o.phenomenonTime),
      )
      const filters = server.requests.map((r) => new URL(r, server.url).searchParams.get('$filter'))
      assert.equal(filters[0], null)
      // Polls ask only for what is newer than the last observation delivered (the 10th, 02:15).
      assert.ok(
        filters.slice(3).every((f) => f === 'phenomenonTime gt 2025-10-23T02:15:00.000Z'),
        String(filters),
      )
    } finally {
      await server.close()
    }
  })

  it('keeps polling an empty Datastream until aborted', async () => {
    const server = await startSensorThingsServer({ observations: { '3': [] } })
    try {
      // Abort once the server has seen three polls: the test waits on what happened, not on a clock.
      const polling = new AbortController()
      const watcher = setInterval(() => {
        if (server.requests.length >= 3) polling.abort()
      }, 5)
      try {
        const source = await openSource(
          { kind: 'sensorthings', baseUrl: server.url, datastreamId: 3, follow: true, pollIntervalMs: 10 },
          { signal: polling.signal },
        )
        assert.equal((await readAll(source.chunks)).length, 0)
      } finally {
        clearInterval(watcher)
      }
      assert.ok(server.requests.length >= 3, `${server.requests.length} requests`)
    } finally {
      await server.close()
    }
  })
})

describe('SensorThings paging safety', () => {
  it('refuses an @iot.nextLink to another origin (no credentials leave the configured host)', async () => {
    const { createServer } = await import('node:http')
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(
        JSON.stringify({ value: [], '@iot.nextLink': 'http://frost.internal:8080/FROST-Server/v1.1/x' }),
      )
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    try {
      await assert.rejects(
        openSource({ kind: 'sensorthings', baseUrl: `http://127.0.0.1:${port}`, datastreamId: 1 }),
        (error: unknown) => error instanceof SourceFormatError && /frost\.internal/.test(error.message),
      )
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('sends a credential from the node’s secrets on every page', async () => {
    const server = await startSensorThingsServer({
      observations: observations.slice(0, 30),
      pageSize: 10,
      requiredHeaders: { authorization: 'Bearer frost-kusel-123456' },
    })
    try {
      const spec = {
        kind: 'sensorthings',
        baseUrl: server.url,
        datastreamId: 1,
        credentialRef: 'frost',
      } as const
      await assert.rejects(openSource(spec), /credential "frost"/)
      const source = await openSource(spec, {
        secrets: () => ({ authorization: 'Bearer frost-kusel-123456' }),
      })
      assert.equal(lines(await readAll(source.chunks)).length, 30)
      assert.equal(server.requests.length, 3)
    } finally {
      await server.close()
    }
  })
})
