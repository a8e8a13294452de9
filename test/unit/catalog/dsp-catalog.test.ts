import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Ajv2019 } from 'ajv/dist/2019.js'
import {
  buildDspCatalog,
  buildDspDataset,
  Catalog,
  type DspCatalogOptions,
  type Requester,
  toDspOffer,
} from '../../../src/catalog/index.js'
import {
  checkOffer,
  DSP_DIR,
  dspAjv,
  glanInput,
  HAMBURG,
  ManualClock,
  MEMBER,
  OUTSIDER,
  PROVIDER,
  roleConstraint,
  tempStore,
} from './fixtures.js'

const CATALOG_SCHEMA = 'https://w3id.org/dspace/2025/1/catalog/catalog-schema.json'
const DATASET_SCHEMA = 'https://w3id.org/dspace/2025/1/catalog/dataset-schema.json'

const options: DspCatalogOptions = {
  participantId: PROVIDER,
  endpointURL: 'https://kusel.example/dsp/2025-1',
}

describe('DSP 2025-1 Catalog', () => {
  let ajv: Ajv2019
  let catalog: Catalog
  let close: () => Promise<void>

  function assertValid(schema: string, doc: unknown): void {
    const validate = ajv.getSchema(schema)!
    assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2))
  }

  before(async () => {
    ajv = await dspAjv()
    const t = await tempStore()
    close = t.dispose
    catalog = new Catalog(
      { store: t.store, clock: new ManualClock() },
      { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
    )
    await catalog.add(glanInput())
    await catalog.add(
      glanInput({
        title: 'Verkehrsfluss',
        theme: ['TRAN'],
        temporal: { start: '2025-01-01', end: '2025-12-31' },
        transferFormats: ['HttpData-PULL', 'HttpData-PUSH'],
        offers: [
          {
            // ODRL JSON-LD as a policy author writes it: context, target, prefixed IRIs, single rule object.
            offer: {
              '@context': 'http://www.w3.org/ns/odrl.jsonld',
              '@id': 'urn:uuid:11111111-0000-4000-8000-000000000002',
              '@type': 'Offer',
              target: 'urn:uuid:to-be-dropped',
              permission: {
                action: { '@id': 'odrl:use' },
                target: 'urn:uuid:also-dropped',
                constraint: {
                  and: {
                    '@list': [
                      {
                        leftOperand: 'odrl:purpose',
                        operator: 'odrl:eq',
                        rightOperand: 'ImproveTransportMobility',
                      },
                      {
                        leftOperand: 'http://www.w3.org/ns/odrl/2/dateTime',
                        operator: 'http://www.w3.org/ns/odrl/2/lteq',
                        rightOperand: { '@value': '2026-12-31', '@type': 'xsd:date' },
                      },
                    ],
                  },
                },
                duty: { action: 'odrl:delete' },
              },
            },
            access: { kind: 'dids', dids: [HAMBURG] },
          },
        ],
      }),
    )
  })
  after(async () => {
    await close()
  })

  it('the conformance examples validate with the loaded schemas (the harness itself works)', async () => {
    for (const [file, schema] of [
      ['catalog.json', CATALOG_SCHEMA],
      ['nested-catalog.json', CATALOG_SCHEMA],
      ['dataset.json', DATASET_SCHEMA],
    ] as const) {
      assertValid(schema, JSON.parse(await readFile(join(DSP_DIR, 'catalog', 'example', file), 'utf8')))
    }
    // And the schema bites: an offer with a target inside a catalog dataset is refused.
    const example = JSON.parse(await readFile(join(DSP_DIR, 'catalog', 'example', 'catalog.json'), 'utf8'))
    example.dataset[0].hasPolicy[0].target = 'urn:x'
    assert.equal(ajv.getSchema(CATALOG_SCHEMA)!(example), false)
  })

  for (const [name, requester, count] of [
    ['a member', { did: MEMBER, isMember: true }, 1],
    ['a DID-listed non-member', { did: HAMBURG, isMember: false }, 1],
    ['an outsider', { did: OUTSIDER, isMember: false }, 0],
  ] as [string, Requester, number][]) {
    it(`the Catalog for ${name} validates against catalog-schema.json`, async () => {
      const answer = buildDspCatalog(await catalog.catalogFor(requester), options)
      assertValid(CATALOG_SCHEMA, answer)
      assert.equal(answer.participantId, PROVIDER)
      assert.deepEqual(answer.service, [
        { '@id': `urn:allmende:dsp:${PROVIDER}`, '@type': 'DataService', endpointURL: options.endpointURL },
      ])
      assert.equal(answer.dataset?.length ?? 0, count)
    })
  }

  it('offers carry no target anywhere, compact ODRL terms, and datasets their DCAT metadata', async () => {
    const answer = buildDspCatalog(await catalog.catalogFor({ did: HAMBURG, isMember: false }), options)
    const [dataset] = answer.dataset!
    assert.ok(dataset !== undefined)
    assert.equal(JSON.stringify(dataset.hasPolicy).includes('target'), false)
    assert.deepEqual(dataset.hasPolicy, [
      {
        '@id': 'urn:uuid:11111111-0000-4000-8000-000000000002',
        '@type': 'Offer',
        permission: [
          {
            action: 'use',
            constraint: [
              {
                and: [
                  { leftOperand: 'purpose', operator: 'eq', rightOperand: 'ImproveTransportMobility' },
                  {
                    leftOperand: 'dateTime',
                    operator: 'lteq',
                    rightOperand: { '@value': '2026-12-31', '@type': 'xsd:date' },
                  },
                ],
              },
            ],
            duty: [{ action: 'delete' }],
          },
        ],
      },
    ])
    assert.deepEqual(dataset.distribution, [
      { '@type': 'Distribution', format: 'HttpData-PULL', accessService: `urn:allmende:dsp:${PROVIDER}` },
      { '@type': 'Distribution', format: 'HttpData-PUSH', accessService: `urn:allmende:dsp:${PROVIDER}` },
    ])
    assert.equal(dataset['dct:title'], 'Verkehrsfluss')
    assert.deepEqual(dataset['dcat:theme'], [
      { '@id': 'http://publications.europa.eu/resource/authority/data-theme/TRAN' },
    ])
    assert.equal(dataset['dcat:version'], '1')
    assert.deepEqual(dataset['dct:temporal'], {
      '@type': 'dct:PeriodOfTime',
      'dcat:startDate': '2025-01-01',
      'dcat:endDate': '2025-12-31',
    })
  })

  it('an empty catalog (nothing visible) still validates', () => {
    assertValid(CATALOG_SCHEMA, buildDspCatalog([], options))
  })

  it('the Dataset answer validates against dataset-schema.json, with the DataService inlined', async () => {
    const views = await catalog.catalogFor({ did: MEMBER, isMember: true })
    const glan = views.find((v) => v.title === 'Pegel Glan Altenglan')!
    const answer = buildDspDataset(glan, options)
    assert.ok(answer !== undefined)
    assertValid(DATASET_SCHEMA, answer)
    assert.deepEqual(answer.distribution[0]!.accessService, {
      '@id': `urn:allmende:dsp:${PROVIDER}`,
      '@type': 'DataService',
      endpointURL: options.endpointURL,
    })
    // A dataset listed for its public metadata but without visible offer has no DSP form.
    const outsiderViews = await catalog.catalogFor({ did: OUTSIDER, isMember: false })
    assert.equal(outsiderViews.length, 2)
    for (const view of outsiderViews) assert.equal(buildDspDataset(view, options), undefined)
  })

  it('toDspOffer() makes an offer from a policy author valid as a catalog Offer', () => {
    const offer = toDspOffer({
      '@id': 'urn:x:o',
      '@type': 'odrl:Offer',
      uid: 'urn:x:o',
      prohibition: [{ action: 'odrl:distribute' }],
    })
    assert.deepEqual(offer, { '@id': 'urn:x:o', '@type': 'Offer', prohibition: [{ action: 'distribute' }] })
  })

  it("toDspOffer() writes out compact IRIs that relied on the offer's own context", () => {
    const offer = toDspOffer({
      '@context': ['http://www.w3.org/ns/odrl.jsonld', { allmende: 'https://w3id.org/allmende/odrl#' }],
      '@id': 'urn:x:o',
      '@type': 'Offer',
      assignee: 'did:key:z6Mkconsumer',
      permission: [
        {
          action: 'use',
          constraint: [
            { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': 'allmende:FloodWarning' } },
          ],
        },
      ],
    })
    assert.deepEqual(offer.permission, [
      {
        action: 'use',
        constraint: [
          {
            leftOperand: 'purpose',
            operator: 'isA',
            rightOperand: { '@id': 'https://w3id.org/allmende/odrl#FloodWarning' },
          },
        ],
      },
    ])
    assert.equal(offer.assignee, 'did:key:z6Mkconsumer')
  })
})
