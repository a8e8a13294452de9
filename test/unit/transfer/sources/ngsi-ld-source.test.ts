import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { canonicalJson } from '../../../../src/audit/index.js'
import {
  type NgsiLdEntity,
  type NgsiLdServer,
  parseQ,
  startNgsiLdServer,
} from '../../../../src/demo/ngsi-ld-server.js'
import {
  type NgsiLdSourceSpec,
  openSource,
  SourceResponseError,
} from '../../../../src/transfer/sources/index.js'
import { nextLink } from '../../../../src/transfer/sources/ngsi-ld-source.js'
import { repoRoot } from '../../../support/repo.js'

const entities: NgsiLdEntity[] = JSON.parse(
  readFileSync(join(repoRoot(), 'examples/data/traffic-flow-kusel.json'), 'utf8'),
)
const CONTEXT = 'https://smartdatamodels.org/context.jsonld'

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

const fromOf = (e: NgsiLdEntity): string =>
  (e.dateObservedFrom as { value: { '@value': string } }).value['@value']

describe('openSource({kind: ngsi-ld})', () => {
  let broker: NgsiLdServer
  let spec: NgsiLdSourceSpec
  before(async () => {
    broker = await startNgsiLdServer({ entities, tenant: 'kusel' })
    spec = {
      kind: 'ngsi-ld',
      brokerUrl: broker.url,
      type: 'TrafficFlowObserved',
      tenant: 'kusel',
      context: CONTEXT,
      pageSize: 50,
    }
  })
  after(() => broker.close())

  it('pages with limit/offset through all entities of a type, as canonical JSON-LD lines', async () => {
    broker.requests.length = 0
    broker.requestHeaders.length = 0
    const source = await openSource(spec)
    assert.equal(source.mediaType, 'application/x-ndjson')
    assert.equal(source.finite, true)
    const bytes = await readAll(source.chunks)
    const got = lines(bytes)
    assert.equal(got.length, entities.length)
    assert.deepEqual(got[0], { ...entities[0], '@context': CONTEXT })
    assert.equal(
      bytes.toString('utf8').split('\n')[0],
      canonicalJson({ ...entities[0], '@context': CONTEXT }),
    )
    assert.equal(
      broker.requests.length,
      Math.ceil(entities.length / 50) + (entities.length % 50 === 0 ? 1 : 0),
    )
    const offsets = broker.requests.map((r) => new URL(r, broker.url).searchParams.get('offset'))
    assert.deepEqual(offsets.slice(0, 3), ['0', '50', '100'])
    const headers = broker.requestHeaders[0]!
    assert.equal(headers['ngsild-tenant'], 'kusel')
    assert.equal(headers.accept, 'application/ld+json')
    assert.equal(
      headers.link,
      `<${CONTEXT}>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json"`,
    )
  })

  it('filters with the spec q and a time range on dateObservedFrom', async () => {
    broker.requests.length = 0
    const source = await openSource(
      { ...spec, q: 'laneId==1;refRoadSegment=="urn:ngsi-ld:RoadSegment:kusel:trierer-strasse-b420"' },
      { query: { from: '2025-10-27T06:00:00Z', to: '2025-10-27T08:45:00Z' } },
    )
    const got = lines(await readAll(source.chunks))
    const expected = entities.filter(
      (e) =>
        (e.laneId as { value: number }).value === 1 &&
        e.id.includes('trierer-strasse-b420') &&
        fromOf(e) >= '2025-10-27T06:00:00Z' &&
        fromOf(e) <= '2025-10-27T08:45:00Z',
    )
    assert.equal(expected.length, 12)
    assert.deepEqual(
      got.map((e) => e.id),
      expected.map((e) => e.id),
    )
    const q = new URL(broker.requests[0]!, broker.url).searchParams.get('q')
    assert.equal(
      q,
      'laneId==1;refRoadSegment=="urn:ngsi-ld:RoadSegment:kusel:trierer-strasse-b420";' +
        'dateObservedFrom>=2025-10-27T06:00:00.000Z;dateObservedFrom<=2025-10-27T08:45:00.000Z',
    )
  })

  it('keeps an OR in the spec q from widening the time range', async () => {
    const source = await openSource(
      { ...spec, q: 'laneId==1|laneId==2', timeProperty: 'dateObservedFrom' },
      { query: { from: '2025-10-27T12:00:00Z', to: '2025-10-27T12:00:00Z' } },
    )
    assert.equal(lines(await readAll(source.chunks)).length, 6)
  })

  it('gives identical bytes when resumed at an offset', async () => {
    const full = await readAll((await openSource(spec)).chunks)
    for (const offset of [1, 999, Math.floor(full.length / 3), full.length]) {
      const resumed = await readAll((await openSource(spec, { range: { offset } })).chunks)
      assert.ok(resumed.equals(full.subarray(offset)), `offset ${offset}`)
    }
  })

  it('follows Link rel="next" when the broker sends it', async () => {
    const linking = await startNgsiLdServer({
      entities: entities.slice(0, 70),
      nextLinks: true,
      defaultLimit: 20,
    })
    try {
      const source = await openSource({
        kind: 'ngsi-ld',
        brokerUrl: `${linking.url}/ngsi-ld/v1`,
        type: 'TrafficFlowObserved',
        pageSize: 30,
      })
      assert.equal(lines(await readAll(source.chunks)).length, 70)
      // Three pages (30, 30, 10): the third has no next link and is short, so nothing more is asked.
      assert.equal(linking.requests.length, 3)
    } finally {
      await linking.close()
    }
  })

  it('reports an unknown tenant with the broker’s problem details', async () => {
    await assert.rejects(
      openSource({ ...spec, tenant: 'mayen-koblenz' }),
      (error: unknown) =>
        error instanceof SourceResponseError &&
        error.status === 404 &&
        /NonexistentTenant/.test(error.message),
    )
  })

  it('reports a malformed q as a 400 from the broker', async () => {
    await assert.rejects(
      openSource({ ...spec, q: 'laneId==' }),
      (error: unknown) => error instanceof SourceResponseError && error.status === 400,
    )
  })
})

describe('ngsi-ld test broker q language', () => {
  const lane = (id: number, intensity: number): NgsiLdEntity => ({
    id: `urn:ngsi-ld:TrafficFlowObserved:t${id}`,
    type: 'TrafficFlowObserved',
    laneId: { type: 'Property', value: id },
    intensity: { type: 'Property', value: intensity },
    laneDirection: { type: 'Property', value: id % 2 === 0 ? 'backward' : 'forward' },
  })
  it('evaluates and, or, parentheses, comparisons and existence', () => {
    const a = lane(1, 40)
    const b = lane(2, 90)
    assert.equal(parseQ('intensity>50')(a), false)
    assert.equal(parseQ('intensity>50')(b), true)
    assert.equal(parseQ('laneId==1|intensity>=90')(b), true)
    assert.equal(parseQ('laneDirection=="forward";(laneId==2|intensity<50)')(a), true)
    assert.equal(parseQ('laneDirection=="forward";(laneId==2|intensity<50)')(b), false)
    assert.equal(parseQ('occupancy')(a), false)
    assert.equal(parseQ('intensity')(a), true)
    assert.throws(() => parseQ('(laneId==1'))
  })
})

describe('nextLink', () => {
  it('finds rel="next" among several links and resolves it', () => {
    const header =
      '<https://ctx.example/c.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; type="application/ld+json", ' +
      '</ngsi-ld/v1/entities?type=T&offset=20&limit=20>; rel="next"; type="application/ld+json"'
    assert.equal(
      nextLink(header, 'http://b:1026/ngsi-ld/v1/entities?type=T'),
      'http://b:1026/ngsi-ld/v1/entities?type=T&offset=20&limit=20',
    )
    assert.equal(nextLink('<http://b/x>; rel=next', 'http://b/'), 'http://b/x')
    assert.equal(nextLink('<http://b/x>; rel="prev"', 'http://b/'), undefined)
    assert.equal(nextLink(null, 'http://b/'), undefined)
  })
})
