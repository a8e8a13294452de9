import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import {
  Catalog,
  CatalogExportNotConfiguredError,
  type DatasetInput,
  exportOptionsOf,
  guessFormat,
  InvalidDatasetError,
  validateDatasetInput,
} from '../../../src/catalog/index.js'
import type { CliIo } from '../../../src/cli/command.js'
import { runCli } from '../../../src/cli/run-cli.js'
import { initNode } from '../../../src/config/index.js'
import { Store } from '../../../src/store/index.js'
import { tempDirSync } from '../../support/temp-dir.js'
import { checkOffer, glanInput, ManualClock, roleConstraint, tempStore } from './fixtures.js'

/** The problems `validateDatasetInput` names for `input`, or [] when it is accepted. */
function issuesOf(input: unknown): readonly string[] {
  try {
    validateDatasetInput(input)
    return []
  } catch (error) {
    assert.ok(error instanceof InvalidDatasetError)
    return error.issues
  }
}

const open = (overrides: Partial<DatasetInput>) => glanInput({ metadataVisibility: 'public', ...overrides })

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '' }
}

describe('DCAT-AP.de rules on dataset input', () => {
  it('public metadata needs a licence, on the dataset or on every distribution', () => {
    const [issue, ...rest] = issuesOf(open({ license: undefined }))
    assert.deepEqual(rest, [])
    assert.match(issue ?? '', /^license is missing: .*DCAT-AP\.de list.*distributions\[0\]\.license/)
    const perDistribution = open({
      license: undefined,
      distributions: [{ format: 'CSV', license: 'cc-by/4.0' }],
    })
    assert.deepEqual(issuesOf(perDistribution), [])
    // members-only metadata never reaches a portal: no licence needed
    assert.deepEqual(issuesOf(glanInput({ license: undefined, metadataVisibility: 'members' })), [])
  })

  it('a licence must come from the DCAT-AP.de licence list; codes are expanded', () => {
    assert.match(
      issuesOf(open({ license: 'https://creativecommons.org/licenses/by/4.0/' }))[0] ?? '',
      /^license 'https:\/\/creativecommons\.org\/licenses\/by\/4\.0\/' is not in the DCAT-AP\.de licence list/,
    )
    assert.match(issuesOf(open({ license: 'dl-by-de/9.9' }))[0] ?? '', /^license 'dl-by-de\/9\.9'/)
    assert.equal(
      validateDatasetInput(open({ license: 'dl-zero-de/2.0' })).license,
      'http://dcat-ap.de/def/licenses/dl-zero-de/2.0',
    )
  })

  it('a contact point with only a name is refused; e-mail, URL or phone each suffice', () => {
    assert.deepEqual(issuesOf(open({ contactPoint: { fn: 'Umweltamt' } })), [
      'contactPoint needs a way to reach it: contactPoint.email, contactPoint.url or contactPoint.tel',
    ])
    assert.deepEqual(issuesOf(open({ contactPoint: { fn: 'Umweltamt', tel: '+49 6381 424-0' } })), [])
    assert.deepEqual(issuesOf(open({ contactPoint: { fn: 'Umweltamt', url: 'https://www.kusel.de/' } })), [])
    assert.deepEqual(issuesOf(open({ contactPoint: { fn: 'Umweltamt', tel: 'ask the mayor' } })), [
      "contactPoint.tel 'ask the mayor' is not a phone number such as +49 6381 424-0",
    ])
  })

  it('a format must be in the EU file-type table, as code or IRI', () => {
    assert.deepEqual(issuesOf(open({ distributions: [{ format: 'NDJSON' }] })), [
      "distributions[0].format 'NDJSON' is not in the EU file-type list (http://publications.europa.eu/resource/authority/file-type/...): use a code such as CSV, JSON, GEOJSON, XML or XLSX",
    ])
    assert.match(
      issuesOf(open({ distributions: [{ format: 'https://example.org/formats/csv' }] }))[0] ?? '',
      /^distributions\[0\]\.format 'https:\/\/example\.org\/formats\/csv' is not in the EU file-type list/,
    )
    const iri = 'http://publications.europa.eu/resource/authority/file-type/GEOJSON'
    assert.equal(
      validateDatasetInput(open({ distributions: [{ format: iri }] })).distributions[0]?.format,
      iri,
    )
  })

  it('a political geocoding IRI must name its level and key', () => {
    assert.match(
      issuesOf(open({ spatial: ['http://dcat-ap.de/def/politicalGeocoding/07336'] }))[0] ?? '',
      /^spatial\[0\] 'http:\/\/dcat-ap\.de\/def\/politicalGeocoding\/07336' is not a DCAT-AP\.de political geocoding IRI/,
    )
  })

  it('an update is checked as a whole: clearing the licence of public data is refused, nothing stored', async () => {
    const t = await tempStore()
    try {
      const catalog = new Catalog(
        { store: t.store, clock: new ManualClock() },
        { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
      )
      const { dataset } = await catalog.add(open({}))
      await assert.rejects(catalog.update(dataset.id, { license: null }), (e: unknown) => {
        return e instanceof InvalidDatasetError && /^license is missing/.test(e.issues[0] ?? '')
      })
      await assert.rejects(
        catalog.update(dataset.id, { contactPoint: { fn: 'Umweltamt' } }),
        InvalidDatasetError,
      )
      assert.equal((await catalog.get(dataset.id)).version, 1)
    } finally {
      await t.dispose()
    }
  })
})

describe('export options: a public address, never the management API', () => {
  const node = { name: 'Landkreis Kusel', did: 'did:web:kusel.de' }

  it('refuses without a landing page or public DSP URL, saying which flag to set', () => {
    assert.throws(
      () => exportOptionsOf(node),
      (e: unknown) => e instanceof CatalogExportNotConfiguredError && /--landing-page/.test(e.message),
    )
  })

  it('prefers the landing page, else the public DSP URL', () => {
    const both = exportOptionsOf({
      ...node,
      landingPage: 'https://daten.kusel.de/',
      dspPublicUrl: 'https://dsp.kusel.de/dsp/2025-1',
    })
    assert.equal(both.accessURL, 'https://daten.kusel.de/')
    assert.equal(both.homepage, 'https://daten.kusel.de/')
    assert.equal(
      exportOptionsOf({ ...node, dspPublicUrl: 'https://dsp.kusel.de/dsp/2025-1' }).accessURL,
      'https://dsp.kusel.de/dsp/2025-1',
    )
  })
})

describe('guessFormat', () => {
  it('guesses from the extension, then from the first bytes', () => {
    const none = new Uint8Array()
    assert.deepEqual(guessFormat('/d/pegel.csv', none), { format: 'CSV', mediaType: 'text/csv' })
    assert.deepEqual(guessFormat('/d/PEGEL.GeoJSON', none), {
      format: 'GEOJSON',
      mediaType: 'application/geo+json',
    })
    assert.deepEqual(guessFormat('/d/pegel.ndjson', none), {
      format: 'JSON',
      mediaType: 'application/x-ndjson',
    })
    const bytes = (s: string) => new TextEncoder().encode(s)
    assert.equal(guessFormat('/d/pegel', bytes('  [{"t": 1}]')).format, 'JSON')
    assert.equal(guessFormat('/d/pegel', bytes('<?xml version="1.0"?>')).format, 'XML')
    assert.deepEqual(guessFormat('/d/pegel.bin', bytes('\u0000\u0001')), {
      format: 'BIN',
      mediaType: 'application/octet-stream',
    })
  })
})

describe('allmende dataset add --source and catalog export (no node running)', () => {
  const root = tempDirSync('allmende-open-data-')
  const policy = join(root, 'offer.jsonld')
  writeFileSync(policy, '{}')

  it('refuses a --source file that does not exist, or a directory, before contacting any node', async () => {
    const missing = capture()
    const code = await runCli(
      [
        'dataset',
        'add',
        '--title',
        'Pegel',
        '--source',
        join(root, 'pegel.json'),
        '--policy',
        policy,
        '--dir',
        join(root, 'nowhere'),
      ],
      missing,
    )
    assert.equal(code, 2)
    assert.match(missing.err.join(''), /--source .*pegel\.json: no such file/)
    mkdirSync(join(root, 'data'))
    const directory = capture()
    assert.equal(
      await runCli(
        ['dataset', 'add', '--title', 'P', '--source', join(root, 'data'), '--policy', policy],
        directory,
      ),
      2,
    )
    assert.match(directory.err.join(''), /is a directory, not a data file/)
  })

  it('catalog export writes DCAT-AP.de from a stopped node, with the landing page as access URL', async () => {
    const dir = join(root, 'kusel')
    const files = await initNode(dir, {
      name: 'Landkreis Kusel',
      overrides: { landingPage: 'https://daten.kusel.de/' },
    })
    const store = await Store.open(files.directory.dbDir)
    const catalog = new Catalog(
      { store, clock: new ManualClock() },
      { validateOffer: checkOffer, evaluateConstraint: roleConstraint },
    )
    await catalog.add(open({}))
    await store.close()
    const out = join(root, 'catalog.ttl')
    const io = capture()
    assert.equal(
      await runCli(['catalog', 'export', '--format', 'dcat-ap-de', '--out', out, '--dir', dir], io),
      0,
    )
    const ttl = readFileSync(out, 'utf8')
    assert.match(ttl, /dcat:accessURL <https:\/\/daten\.kusel\.de\/>/)
    assert.match(ttl, /Pegel Glan Altenglan/)
    assert.doesNotMatch(ttl, /127\.0\.0\.1|urn:allmende:api/)
  })

  it('catalog export refuses (exit 2) when the node has no public address', async () => {
    const dir = join(root, 'myk')
    await initNode(dir, { name: 'Landkreis Mayen-Koblenz' })
    const io = capture()
    assert.equal(await runCli(['catalog', 'export', '--format', 'dcat-ap-de', '--dir', dir], io), 2)
    assert.match(io.err.join(''), /needs a public address .*--landing-page/)
    assert.equal(await runCli(['catalog', 'export', '--dir', dir], capture()), 2)
  })
})
