import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidDatasetError, validateDatasetInput } from '../../../src/catalog/index.js'
import { glanInput } from './fixtures.js'

function issuesOf(input: unknown): readonly string[] {
  try {
    validateDatasetInput(input)
  } catch (e) {
    if (e instanceof InvalidDatasetError) return e.issues
    throw e
  }
  return []
}

describe('validateDatasetInput()', () => {
  it('accepts a complete DCAT-AP.de dataset and normalises codes to IRIs', () => {
    const valid = validateDatasetInput(
      glanInput({ theme: ['TRAN', 'http://publications.europa.eu/resource/authority/data-theme/REGI'] }),
    )
    assert.deepEqual(valid.theme, [
      'http://publications.europa.eu/resource/authority/data-theme/TRAN',
      'http://publications.europa.eu/resource/authority/data-theme/REGI',
    ])
    assert.equal(valid.metadataVisibility, 'public')
    assert.equal(
      validateDatasetInput(glanInput({ metadataVisibility: undefined })).metadataVisibility,
      'members',
    )
    assert.deepEqual(validateDatasetInput(glanInput({ publisher: 'Stadt Kaiserslautern' })).publisher, {
      name: 'Stadt Kaiserslautern',
    })
  })

  it('names each missing mandatory field', () => {
    const { title: _t, description: _d, publisher: _p, source: _s, ...rest } = glanInput()
    assert.deepEqual(issuesOf({ ...rest, offers: [], distributions: [] }), [
      'title is missing',
      'description is missing',
      'publisher is missing',
      'distributions must list at least one distribution ({format, mediaType?, ...})',
      'offers must list at least one {offer, access?} (an ODRL Offer with an @id)',
      'source is missing (where the data lives: a source specification)',
    ])
    assert.deepEqual(issuesOf('a string'), ['a dataset must be a JSON object'])
  })

  it('refuses themes outside the EU data theme vocabulary, naming the valid codes', () => {
    const issues = issuesOf(glanInput({ theme: ['ENVI', 'http://example.org/theme/ENVI', 'WATER'] }))
    assert.equal(issues.length, 2)
    assert.match(
      issues[0]!,
      /^theme\[1\] 'http:\/\/example.org\/theme\/ENVI' is not an EU data theme.*AGRI, ECON/,
    )
    assert.match(issues[1]!, /^theme\[2\] 'WATER'/)
  })

  it('refuses malformed and impossible dates and reversed periods', () => {
    assert.deepEqual(issuesOf(glanInput({ temporal: { start: '01.01.2024' } })), [
      "temporal.start '01.01.2024' is not a date (YYYY-MM-DD) or a date-time with zone",
    ])
    assert.deepEqual(issuesOf(glanInput({ temporal: { end: '2025-02-30' } })), [
      "temporal.end '2025-02-30' is not a date (YYYY-MM-DD) or a date-time with zone",
    ])
    assert.deepEqual(issuesOf(glanInput({ temporal: { start: '2025-03-30T02:30:00' } })), [
      "temporal.start '2025-03-30T02:30:00' is not a date (YYYY-MM-DD) or a date-time with zone",
    ])
    assert.deepEqual(issuesOf(glanInput({ temporal: {} })), ['temporal needs a start or an end date'])
    assert.deepEqual(
      issuesOf(glanInput({ temporal: { start: '2025-03-30T03:00:00+02:00', end: '2025-03-30T01:30:00Z' } })),
      [],
    )
    assert.deepEqual(
      issuesOf(glanInput({ temporal: { start: '2025-03-30T03:00:01+02:00', end: '2025-03-30T01:00:00Z' } })),
      ['temporal.start 2025-03-30T03:00:01+02:00 is after temporal.end 2025-03-30T01:00:00Z'],
    )
  })

  it('checks licence, frequency, contact, IRIs, distributions, visibility and access rules', () => {
    const issues = issuesOf(
      glanInput({
        license: 'https://creativecommons.org/licenses/by/4.0/',
        accrualPeriodicity: 'sometimes',
        contactPoint: { fn: '', email: 'umwelt at kusel' },
        spatial: ['Kusel'],
        contributorID: 'Kusel',
        distributions: [{ format: 'csv file', mediaType: 'csv', accessURL: 'ftp://x' }],
        metadataVisibility: 'everyone' as never,
        offers: [
          { offer: { '@type': 'Offer' } },
          { offer: { '@id': 'urn:x:1' }, access: { kind: 'dids', dids: ['Hamburg'] } },
          { offer: { '@id': 'urn:x:1' }, access: { kind: 'friends' } as never },
        ],
      }),
    )
    assert.deepEqual(issues, [
      "spatial[0] 'Kusel' is not an absolute IRI",
      "license 'https://creativecommons.org/licenses/by/4.0/' is not in the DCAT-AP.de licence list (http://dcat-ap.de/def/licenses/...): use e.g. dl-by-de/2.0, dl-zero-de/2.0, cc-by/4.0 or cc-zero",
      "accrualPeriodicity 'sometimes' is not in the EU frequency vocabulary (http://publications.europa.eu/resource/authority/frequency/HOURLY, DAILY, ...)",
      'contactPoint.fn (the organisation name) is missing',
      "contactPoint.email 'umwelt at kusel' is not an e-mail address",
      "contributorID 'Kusel' is not an IRI such as http://dcat-ap.de/def/contributors/...",
      "distributions[0].format 'csv file' is not in the EU file-type list (http://publications.europa.eu/resource/authority/file-type/...): use a code such as CSV, JSON, GEOJSON, XML or XLSX",
      "distributions[0].mediaType 'csv' is not a media type such as text/csv",
      "distributions[0].accessURL 'ftp://x' is not an http(s) URL",
      'offers[0].offer has no @id or uid (an IRI such as urn:uuid:...)',
      'offers[1].access.dids holds values that are not DIDs: Hamburg',
      'offers[2].offer @id urn:x:1 is used twice in this dataset',
      "offers[2].access.kind 'friends' is not one of public, members, dids, constraint",
      "metadataVisibility 'everyone' is not one of public, members, offer",
    ])
  })
})
