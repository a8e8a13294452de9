import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DataFactory, Store as N3Store, Parser, type Quad } from 'n3'
import SHACLValidator from 'rdf-validate-shacl'
import {
  Catalog,
  exportOptionsOf,
  toDcatApDeTurtle,
  validateOfferWithPolicyEngine,
} from '../../src/catalog/index.js'
import { repoRoot } from '../support/repo.js'
import { glanInput, ManualClock, roleConstraint, tempStore } from '../unit/catalog/fixtures.js'

const { namedNode, quad } = DataFactory
const DCAT = 'http://www.w3.org/ns/dcat#'
const DCT = 'http://purl.org/dc/terms/'
const VCARD = 'http://www.w3.org/2006/vcard/ns#'
const DCATDE = 'http://dcat-ap.de/def/dcatde/'
const VIOLATION = 'http://www.w3.org/ns/shacl#Violation'
const CONFORMANCE = join(repoRoot(), 'test', 'conformance')

function turtle(file: string): Quad[] {
  return new Parser().parse(readFileSync(join(CONFORMANCE, file), 'utf8'))
}

/** A SHACL validator over shape files of test/conformance/ (a missing file fails the test). */
function validator(...files: string[]): SHACLValidator {
  return new SHACLValidator(new N3Store(files.flatMap(turtle)))
}

/** The violations of `data`, as `path focus-node` lines (empty when it conforms). */
async function violations(shapes: SHACLValidator, data: readonly Quad[]): Promise<string[]> {
  const report = await shapes.validate(new N3Store([...data]))
  return report.results
    .filter((r) => r.severity?.value === VIOLATION)
    .map((r) => `${r.path?.value ?? '(node)'} ${r.focusNode?.value}`)
}

/** Data with every triple of `predicate` replaced by one to `object` (or dropped when null). */
function replaced(data: readonly Quad[], predicate: string, object: string | null): Quad[] {
  return data.flatMap((q) =>
    q.predicate.value !== predicate
      ? [q]
      : object === null
        ? []
        : [quad(q.subject, q.predicate, namedNode(object), q.graph)],
  )
}

describe('DCAT-AP.de export against the DCAT-AP 3.0.1 SHACL shapes', () => {
  const dcatAp3 = validator('dcat-ap-3/dcat-ap-SHACL.ttl', 'dcat-ap-3/ranges.ttl')
  const german = validator('dcat-ap-de/allmende-dcat-ap-de.ttl')
  let close: () => Promise<void>
  let exported: Quad[]

  before(async () => {
    const t = await tempStore()
    close = t.dispose
    // the real offer validator: a normally filled catalog has valid offers too
    const catalog = new Catalog(
      { store: t.store, clock: new ManualClock() },
      { validateOffer: validateOfferWithPolicyEngine, evaluateConstraint: roleConstraint },
    )
    const offer = (id: string) => ({
      offer: {
        '@context': 'http://www.w3.org/ns/odrl.jsonld',
        '@id': id,
        '@type': 'Offer',
        assigner: 'did:web:kusel.de',
        permission: [{ action: 'use' }],
      },
      access: { kind: 'public' as const },
    })
    await catalog.add(
      glanInput({
        metadataVisibility: 'public',
        temporal: { start: '2024-01-01', end: '2025-12-31T23:59:59Z' },
        licenseAttributionByText: 'Kreisverwaltung Kusel',
        offers: [offer('https://daten.kusel.de/offers/glan')],
      }),
    )
    await catalog.add(
      glanInput({
        title: 'Parkplätze Kusel',
        description: 'Belegung der Parkplätze in der Kreisstadt Kusel.',
        theme: ['TRAN', 'REGI'],
        spatial: ['http://sws.geonames.org/2881485/'],
        license: undefined,
        accrualPeriodicity: 'HOURLY',
        contactPoint: { fn: 'Stadtverwaltung Kusel', tel: '+49 6381 424-0', url: 'https://www.kusel.de/' },
        distributions: [
          { format: 'CSV', mediaType: 'text/csv', license: 'dl-zero-de/2.0' },
          {
            format: 'GEOJSON',
            mediaType: 'application/geo+json',
            license: 'cc-by/4.0',
            accessURL: 'https://daten.kusel.de/parken',
            downloadURL: 'https://daten.kusel.de/parken.geojson',
          },
        ],
        metadataVisibility: 'public',
        offers: [offer('https://daten.kusel.de/offers/parken')],
      }),
    )
    const options = exportOptionsOf({
      name: 'Landkreis Kusel',
      did: 'did:web:kusel.de',
      landingPage: 'https://daten.kusel.de/',
    })
    exported = new Parser().parse(await toDcatApDeTurtle(await catalog.list(), options))
  })

  after(async () => {
    await close()
  })

  it('a normally filled catalog has 0 violations of DCAT-AP 3 and of the German rules', async () => {
    assert.ok(exported.length > 60, `the export has ${exported.length} triples`)
    assert.deepEqual(await violations(dcatAp3, exported), [])
    assert.deepEqual(await violations(german, exported), [])
  })

  it('the shapes do find violations (the harness works): a distribution without access URL', async () => {
    const broken = replaced(exported, `${DCAT}accessURL`, null)
    assert.ok((await violations(dcatAp3, broken)).some((v) => v.startsWith(`${DCAT}accessURL`)))
  })

  describe('each German rule, broken once', () => {
    const cases: [rule: string, predicate: string, object: string | null, path: string][] = [
      ['licence missing', `${DCT}license`, null, `${DCT}license`],
      [
        'licence outside the DCAT-AP.de list',
        `${DCT}license`,
        'https://example.org/my-licence',
        `${DCT}license`,
      ],
      ['contact point with a name only', `${VCARD}hasEmail`, null, ''],
      [
        'format outside the EU file-type table',
        `${DCT}format`,
        'https://example.org/csv-ish',
        `${DCT}format`,
      ],
      ['theme outside the EU data-theme table', `${DCAT}theme`, 'https://example.org/water', `${DCAT}theme`],
      [
        'frequency outside the EU frequency table',
        `${DCT}accrualPeriodicity`,
        'https://example.org/sometimes',
        `${DCT}accrualPeriodicity`,
      ],
      [
        'political geocoding IRI without a level',
        `${DCATDE}politicalGeocodingURI`,
        'http://dcat-ap.de/def/politicalGeocoding/07336',
        `${DCATDE}politicalGeocodingURI`,
      ],
    ]
    for (const [rule, predicate, object, path] of cases) {
      it(rule, async () => {
        const found = await violations(german, replaced(exported, predicate, object))
        assert.ok(
          found.some((v) => (path === '' ? v.startsWith('(node)') : v.startsWith(path))),
          `no violation at ${path || 'the contact point'}: ${found.join('; ')}`,
        )
      })
    }
  })
})
