import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import jsonld from 'jsonld'
import { DataFactory, Store as N3Store, Parser, type Quad, type Term, Writer } from 'n3'
import {
  Catalog,
  type Dataset,
  type DcatApDeExportOptions,
  toDcatApDeJsonLd,
  toDcatApDeTurtle,
} from '../../../src/catalog/index.js'
import { checkOffer, glanInput, ManualClock, roleConstraint, tempStore } from './fixtures.js'

const { namedNode, literal } = DataFactory
const DCAT = 'http://www.w3.org/ns/dcat#'
const DCT = 'http://purl.org/dc/terms/'
const FOAF = 'http://xmlns.com/foaf/0.1/'
const VCARD = 'http://www.w3.org/2006/vcard/ns#'
const DCATDE = 'http://dcat-ap.de/def/dcatde/'
const RDF_TYPE = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#type'
const XSD = 'http://www.w3.org/2001/XMLSchema#'

const options: DcatApDeExportOptions = {
  catalogIri: 'https://daten.kusel.de/catalog',
  title: 'Offene Daten Landkreis Kusel',
  description: 'Metadaten der Datensätze des Landkreises Kusel',
  publisher: { name: 'Kreisverwaltung Kusel', id: 'https://www.landkreis-kusel.de' },
  accessURL: 'https://daten.kusel.de/',
}

describe('DCAT-AP.de export', () => {
  let close: () => Promise<void>
  let datasets: Dataset[]
  let glan: Dataset
  let graph: N3Store

  const one = (s: Term | null, p: string): Term => {
    const objects = graph.getObjects(s, namedNode(p), null)
    assert.equal(objects.length, 1, `one ${p} of ${s?.value}`)
    return objects[0]!
  }

  before(async () => {
    const t = await tempStore()
    close = t.dispose
    const catalog = new Catalog(
      { store: t.store, clock: new ManualClock() },
      { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
    )
    glan = (
      await catalog.add(
        glanInput({
          temporal: { start: '2024-01-01', end: '2025-12-31T23:59:59Z' },
          licenseAttributionByText: 'Kreisverwaltung Kusel',
          offers: [
            {
              offer: { ...glanInput().offers[0]!.offer, '@id': 'https://daten.kusel.de/offers/glan' },
              access: { kind: 'public' },
            },
            {
              offer: { ...glanInput().offers[0]!.offer, '@id': 'https://daten.kusel.de/offers/intern' },
              access: { kind: 'members' },
            },
          ],
          distributions: [
            { format: 'JSON', mediaType: 'application/json', title: 'Beobachtungen' },
            {
              format: 'CSV',
              mediaType: 'text/csv',
              accessURL: 'https://daten.kusel.de/glan.csv',
              license: 'http://dcat-ap.de/def/licenses/dl-zero-de/2.0',
            },
          ],
        }),
      )
    ).dataset
    await catalog.add(glanInput({ title: 'Nur intern', metadataVisibility: 'members' }))
    await catalog.add(glanInput({ title: 'Nur per Angebot', metadataVisibility: 'offer' }))
    datasets = await catalog.list()
    graph = new N3Store(new Parser().parse(await toDcatApDeTurtle(datasets, options)))
  })
  after(async () => {
    await close()
  })

  it('Turtle parses back with n3 into a dcat:Catalog listing only public-metadata datasets', () => {
    const cat = namedNode(options.catalogIri)
    assert.ok(graph.has(DataFactory.quad(cat, namedNode(RDF_TYPE), namedNode(`${DCAT}Catalog`))))
    assert.deepEqual(
      graph.getObjects(cat, namedNode(`${DCAT}dataset`), null).map((o) => o.value),
      [glan.id],
    )
    assert.equal(graph.getSubjects(namedNode(RDF_TYPE), namedNode(`${DCAT}Dataset`), null).length, 1)
    assert.ok(!JSON.stringify(graph.getQuads(null, null, null, null)).includes('Nur intern'))
  })

  it('the dataset has the DCAT-AP.de properties with the right terms', () => {
    const ds = namedNode(glan.id)
    const has = (p: string, o: Quad['object']) =>
      assert.ok(graph.has(DataFactory.quad(ds, namedNode(p), o)), `${p} ${o.value}`)
    has(`${DCT}title`, literal('Pegel Glan Altenglan', 'de'))
    has(`${DCT}description`, literal(glan.description, 'de'))
    for (const k of ['Pegel', 'Wasserstand', 'Hochwasser', 'Glan']) has(`${DCAT}keyword`, literal(k, 'de'))
    has(`${DCAT}theme`, namedNode('http://publications.europa.eu/resource/authority/data-theme/ENVI'))
    has(
      `${DCATDE}politicalGeocodingURI`,
      namedNode('http://dcat-ap.de/def/politicalGeocoding/districtKey/07336'),
    )
    has(
      `${DCT}accrualPeriodicity`,
      namedNode('http://publications.europa.eu/resource/authority/frequency/15MIN'),
    )
    has(`${DCATDE}contributorID`, namedNode('http://dcat-ap.de/def/contributors/kreisKusel'))
    has(`${DCT}issued`, literal('2026-03-01T08:00:00.000Z', namedNode(`${XSD}dateTime`)))

    const publisher = one(ds, `${DCT}publisher`)
    assert.equal(publisher.value, 'https://www.landkreis-kusel.de')
    assert.ok(
      graph.has(
        DataFactory.quad(publisher as Quad['subject'], namedNode(RDF_TYPE), namedNode(`${FOAF}Agent`)),
      ),
    )
    assert.equal(one(publisher, `${FOAF}name`).value, 'Kreisverwaltung Kusel')

    const period = one(ds, `${DCT}temporal`)
    assert.equal(one(period, RDF_TYPE).value, `${DCT}PeriodOfTime`)
    assert.ok(one(period, `${DCAT}startDate`).equals(literal('2024-01-01', namedNode(`${XSD}date`))))
    assert.ok(
      one(period, `${DCAT}endDate`).equals(literal('2025-12-31T23:59:59Z', namedNode(`${XSD}dateTime`))),
    )

    const contact = one(ds, `${DCAT}contactPoint`)
    assert.deepEqual(
      graph
        .getObjects(contact, namedNode(RDF_TYPE), null)
        .map((x) => x.value)
        .sort(),
      [`${VCARD}Kind`, `${VCARD}Organization`],
    )
    assert.equal(one(contact, `${VCARD}fn`).value, 'Kreisverwaltung Kusel, Umweltamt')
    assert.equal(one(contact, `${VCARD}hasEmail`).value, 'mailto:umwelt@kv-kus.de')
  })

  it('distributions carry format, media type, access URL, licence, attribution and only public offers', () => {
    const dists = graph.getObjects(namedNode(glan.id), namedNode(`${DCAT}distribution`), null)
    assert.equal(dists.length, 2)
    const byFormat = new Map(dists.map((d) => [one(d, `${DCT}format`).value.split('/').pop(), d]))
    const json = byFormat.get('JSON')!
    const csv = byFormat.get('CSV')!
    assert.equal(one(json, RDF_TYPE).value, `${DCAT}Distribution`)
    assert.equal(
      one(json, `${DCAT}mediaType`).value,
      'http://www.iana.org/assignments/media-types/application/json',
    )
    assert.equal(one(json, `${DCAT}accessURL`).value, options.accessURL)
    assert.equal(one(json, `${DCT}license`).value, 'http://dcat-ap.de/def/licenses/dl-by-de/2.0')
    assert.equal(one(json, `${DCATDE}licenseAttributionByText`).value, 'Kreisverwaltung Kusel')
    assert.equal(
      one(json, 'http://www.w3.org/ns/odrl/2/hasPolicy').value,
      'https://daten.kusel.de/offers/glan',
    )
    assert.equal(one(csv, `${DCAT}accessURL`).value, 'https://daten.kusel.de/glan.csv')
    assert.equal(one(csv, `${DCT}license`).value, 'http://dcat-ap.de/def/licenses/dl-zero-de/2.0')
  })

  it('JSON-LD is the same graph as the Turtle', async () => {
    const doc = toDcatApDeJsonLd(datasets, options)
    assert.equal(doc['@type'], 'dcat:Catalog')
    assert.equal((doc['dcat:dataset'] as unknown[]).length, 1)
    const canonOptions = { algorithm: 'URDNA2015', safe: true } as jsonld.Options.Normalize
    const fromJsonLd = await jsonld.canonize(doc as jsonld.JsonLdDocument, canonOptions)
    const nquads = await new Promise<string>((resolve, reject) => {
      const w = new Writer({ format: 'N-Quads' })
      w.addQuads(graph.getQuads(null, null, null, null))
      w.end((e, r) => (e ? reject(e) : resolve(r)))
    })
    const fromTurtle = await jsonld.canonize(
      nquads as unknown as jsonld.JsonLdDocument,
      {
        algorithm: 'URDNA2015',
        inputFormat: 'application/n-quads',
      } as jsonld.Options.Normalize,
    )
    assert.equal(fromJsonLd, fromTurtle)
    assert.ok(fromJsonLd.length > 1000)
  })

  it('an empty public catalog still exports a valid dcat:Catalog', async () => {
    const turtle = await toDcatApDeTurtle([], options)
    const quads = new Parser().parse(turtle)
    assert.ok(quads.some((q) => q.object.value === `${DCAT}Catalog`))
  })
})
