import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { policyExplainCommand } from '../../../src/cli/commands/policy-explain.js'
import { explainPolicy } from '../../../src/policy/explain.js'
import { parseTurtle } from '../../../src/policy/graph.js'
import {
  formatAmount,
  formatDate,
  formatDuration,
  germanGender,
  shortenIri,
} from '../../../src/policy/labels.js'
import { validatePolicy } from '../../../src/policy/validate.js'
import { policyDocumentFromGraph } from '../../../src/policy/validate-rdf.js'
import { AllmendeError } from '../../../src/protocol/errors.js'
import { tempDirSync } from '../../support/temp-dir.js'

const CONTEXT = [
  'http://www.w3.org/ns/odrl.jsonld',
  { allmende: 'https://w3id.org/allmende/odrl#', dpv: 'https://w3id.org/dpv#' },
]

/** Scenario 1: Kusel gives Mayen-Koblenz its Glan gauge data for flood warning only. */
const floodWarning = {
  '@context': CONTEXT,
  '@type': 'Agreement',
  uid: 'urn:uuid:6f1c2d3e-0000-4000-8000-000000000001',
  profile: 'https://w3id.org/allmende/odrl-profile/v1',
  assigner: { '@id': 'did:web:kusel.de', 'rdfs:label': 'Landkreis Kusel' },
  assignee: { '@id': 'did:web:mayen-koblenz.de', 'rdfs:label': 'Landkreis Mayen-Koblenz' },
  target: { '@id': 'urn:allmende:dataset:glan-pegel', 'dct:title': 'Pegeldaten' },
  permission: [
    {
      action: 'use',
      constraint: [
        { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': 'allmende:FloodWarning' } },
        {
          leftOperand: 'dateTime',
          operator: 'lteq',
          rightOperand: { '@value': '2027-12-31', '@type': 'xsd:date' },
        },
      ],
      duty: [
        {
          action: 'delete',
          assignee: 'did:web:mayen-koblenz.de',
          constraint: [
            {
              leftOperand: 'delayPeriod',
              operator: 'eq',
              rightOperand: { '@value': 'P30D', '@type': 'xsd:duration' },
            },
          ],
        },
      ],
    },
  ],
}

describe('explainPolicy', () => {
  it('renders the flood-warning agreement as the exact German sentence', () => {
    assert.deepEqual(validatePolicy(floodWarning), { errors: [], warnings: [] })
    const { sentences } = explainPolicy(floodWarning, { lang: 'de' })
    assert.deepEqual(sentences, [
      'Der Landkreis Mayen-Koblenz darf die Pegeldaten nur zur Hochwasserwarnung nutzen, bis zum 31.12.2027, und muss sie 30 Tage nach Erhalt löschen.',
    ])
  })

  it('renders the same agreement in English', () => {
    const { sentences, heading } = explainPolicy(floodWarning, { lang: 'en' })
    assert.deepEqual(sentences, [
      'Landkreis Mayen-Koblenz may use Pegeldaten only for flood warning, until 31 December 2027, and must delete it 30 days after receipt.',
    ])
    assert.equal(
      heading,
      'Agreement urn:uuid:6f1c2d3e-0000-4000-8000-000000000001, provider: Landkreis Kusel, recipient: Landkreis Mayen-Koblenz',
    )
  })

  it('is deterministic', () => {
    assert.equal(
      explainPolicy(floodWarning, { lang: 'de' }).text,
      explainPolicy(floodWarning, { lang: 'de' }).text,
    )
  })

  it('takes labels from a caller label map before those in the policy', () => {
    const { sentences } = explainPolicy(floodWarning, {
      lang: 'de',
      labels: {
        'did:web:mayen-koblenz.de': {
          de: 'Kreisverwaltung Mayen-Koblenz',
          en: 'Mayen-Koblenz district administration',
        },
        'urn:allmende:dataset:glan-pegel': { de: 'Wasserstand der Glan', en: 'Glan water level' },
      },
    })
    assert.equal(
      sentences[0],
      'Die Kreisverwaltung Mayen-Koblenz darf den Wasserstand der Glan nur zur Hochwasserwarnung nutzen, bis zum 31.12.2027, und muss ihn 30 Tage nach Erhalt löschen.',
    )
  })

  it('falls back to shortened DIDs and IRIs when nothing is labelled', () => {
    const doc = {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Set',
      uid: 'urn:p',
      permission: [
        {
          action: 'read',
          target: 'urn:allmende:dataset:parking',
          assignee: 'did:web:kaiserslautern.de',
          constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 10 }],
        },
      ],
    }
    assert.deepEqual(explainPolicy(doc, { lang: 'de' }).sentences, [
      'Der Teilnehmer kaiserslautern.de darf die Daten „urn:allmende:dataset:parking“ höchstens 10-mal lesen.',
    ])
    assert.deepEqual(explainPolicy(doc, { lang: 'en' }).sentences, [
      'The participant kaiserslautern.de may read the data “urn:allmende:dataset:parking” at most 10 times.',
    ])
  })

  it('explains prohibitions, the conflict strategy and remedies', () => {
    const doc = {
      '@context': CONTEXT,
      '@type': 'Set',
      uid: 'urn:p',
      conflict: 'prohibit',
      target: { '@id': 'urn:d', 'dct:title': { '@value': 'Verkehrsdaten', '@language': 'de' } },
      permission: [
        { action: 'use', assignee: { '@id': 'did:web:a.de', 'schema:name': 'Stadt Kaiserslautern' } },
      ],
      prohibition: [
        {
          action: 'distribute',
          constraint: [{ leftOperand: 'purpose', operator: 'eq', rightOperand: { '@id': 'dpv:Marketing' } }],
          remedy: [{ action: 'delete' }],
        },
      ],
    }
    assert.deepEqual(explainPolicy(doc, { lang: 'de' }).sentences, [
      'Die Stadt Kaiserslautern darf die Verkehrsdaten nutzen.',
      'Niemand darf die Verkehrsdaten zum Marketing weitergeben; bei Verstoß muss jeder sie löschen.',
      'Widersprechen sich Regeln, gehen die Verbote vor.',
    ])
    assert.deepEqual(explainPolicy(doc, { lang: 'en' }).sentences, [
      'Stadt Kaiserslautern may use Verkehrsdaten.',
      'No one may distribute Verkehrsdaten for marketing; if violated, anyone must delete it.',
      'Where rules conflict, the prohibitions prevail.',
    ])
  })

  it('explains notification and payment duties with their parties', () => {
    const doc = {
      '@context': CONTEXT,
      '@type': 'Offer',
      uid: 'urn:p',
      assigner: { '@id': 'did:web:kl.de', 'rdfs:label': 'Stadt Kaiserslautern' },
      target: { '@id': 'urn:d', 'rdfs:label': 'Verkehrszählung' },
      permission: [
        {
          action: 'use',
          duty: [
            { action: 'inform', informedParty: 'did:web:kl.de' },
            {
              action: [
                {
                  'rdf:value': { '@id': 'odrl:compensate' },
                  refinement: [
                    {
                      leftOperand: 'payAmount',
                      operator: 'eq',
                      rightOperand: { '@value': '1500', '@type': 'xsd:decimal' },
                      unit: 'http://dbpedia.org/resource/Euro',
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
    }
    assert.deepEqual(explainPolicy(doc, { lang: 'de' }).sentences, [
      'Jeder darf die Verkehrszählung nutzen und muss die Stadt Kaiserslautern über die Nutzung informieren und muss 1.500,00 EUR an die Stadt Kaiserslautern zahlen.',
    ])
    assert.deepEqual(explainPolicy(doc, { lang: 'en' }).sentences, [
      'Anyone may use Verkehrszählung and must inform Stadt Kaiserslautern of each use and must pay EUR 1,500.00 to Stadt Kaiserslautern.',
    ])
  })

  it('explains a Turtle policy read through the graph', () => {
    const graph = parseTurtle(`
      @prefix odrl: <http://www.w3.org/ns/odrl/2/> .
      @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
      <urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ; odrl:target <urn:d> ;
        odrl:constraint [ odrl:leftOperand odrl:elapsedTime ; odrl:operator odrl:lteq ; odrl:rightOperand "P6M" ] ] .
      <urn:d> rdfs:label "Parkdaten"@de , "parking data"@en .`)
    const doc = policyDocumentFromGraph(graph)
    assert.deepEqual(explainPolicy(doc, { lang: 'de' }).sentences, [
      'Jeder darf die Parkdaten höchstens 6 Monate lang nutzen.',
    ])
    assert.deepEqual(explainPolicy(doc, { lang: 'en' }).sentences, [
      'Anyone may use parking data for at most 6 months.',
    ])
  })

  it('throws a typed error for a document that is not a policy', () => {
    assert.throws(() => explainPolicy('nope', { lang: 'de' }), AllmendeError)
  })
})

describe('labels', () => {
  it('formats durations in both languages', () => {
    assert.equal(formatDuration('P30D', 'de'), '30 Tage')
    assert.equal(formatDuration('P30D', 'en'), '30 days')
    assert.equal(formatDuration('P1D', 'de'), '1 Tag')
    assert.equal(formatDuration('P1Y6M', 'de'), '1 Jahr und 6 Monate')
    assert.equal(formatDuration('PT12H', 'en'), '12 hours')
    assert.equal(formatDuration('P30D', 'de', true), '30 Tagen')
  })

  it('formats dates German and English, keeping times and offsets as written', () => {
    assert.equal(formatDate('2027-12-31', 'de'), '31.12.2027')
    assert.equal(formatDate('2027-12-31', 'en'), '31 December 2027')
    assert.equal(formatDate('2026-03-29T02:30:00+01:00', 'de'), '29.03.2026, 02:30 Uhr (UTC+01:00)')
    assert.equal(formatDate('2026-03-29T02:30:00Z', 'en'), '29 March 2026, 02:30 (UTC)')
  })

  it('formats amounts and shortens identifiers', () => {
    assert.equal(formatAmount('500', 'http://dbpedia.org/resource/Euro', 'de'), '500,00 EUR')
    assert.equal(formatAmount('1234567.5', undefined, 'en'), '1,234,567.50')
    assert.equal(shortenIri('did:web:kusel.de'), 'kusel.de')
    assert.equal(shortenIri('did:web:example.com%3A8443:nodes:1'), 'example.com:8443/nodes/1')
    assert.equal(shortenIri('https://w3id.org/dpv#Marketing'), 'Marketing')
  })

  it('knows German genders only from its tables', () => {
    assert.equal(germanGender('Landkreis Mayen-Koblenz'), 'm')
    assert.equal(germanGender('Stadt Kaiserslautern'), 'f')
    assert.equal(germanGender('PfalzShuttle GmbH'), 'f')
    assert.equal(germanGender('Ordnungsamt Kusel'), 'n')
    assert.equal(germanGender('Pegeldaten'), 'pl')
    assert.equal(germanGender('Kusel'), undefined)
  })
})

describe('allmende policy explain', () => {
  const dir = tempDirSync('allmende-explain-')
  const file = join(dir, 'flood.jsonld')
  writeFileSync(file, JSON.stringify(floodWarning))
  const capture = (): CliIo & { out: string[] } => {
    const out: string[] = []
    return {
      out,
      stdout: (t) => out.push(t),
      stderr: () => {},
      readStdin: async () => JSON.stringify(floodWarning),
    }
  }

  it('prints German by default and English with --lang en', async () => {
    const de = capture()
    assert.equal(await policyExplainCommand.run([file], de), 0)
    assert.match(de.out.join(''), /Der Landkreis Mayen-Koblenz darf/)
    const en = capture()
    assert.equal(await policyExplainCommand.run(['-', '--lang', 'en'], en), 0)
    assert.match(en.out.join(''), /may use Pegeldaten/)
  })

  it('reads a label map with --labels', async () => {
    const labels = join(dir, 'labels.json')
    writeFileSync(labels, JSON.stringify({ 'did:web:mayen-koblenz.de': 'Kreis Mayen-Koblenz' }))
    const io = capture()
    assert.equal(await policyExplainCommand.run([file, '--labels', labels], io), 0)
    assert.match(io.out.join(''), /Der Kreis Mayen-Koblenz darf/)
  })

  it('rejects a bad --lang and an unreadable file', async () => {
    await assert.rejects(policyExplainCommand.run([file, '--lang', 'fr'], capture()), /de or en/)
    await assert.rejects(policyExplainCommand.run([join(dir, 'missing.jsonld')], capture()), AllmendeError)
    await assert.rejects(
      policyExplainCommand.run([file, '--bogus'], capture()),
      /^UsageError: policy explain: .*--bogus/,
    )
    await assert.rejects(policyExplainCommand.run([file, file], capture()), /unexpected arguments/)
  })
})

describe('explainPolicy phrases for constraints on named values', () => {
  /** One permission to use a dataset under a single constraint. */
  function withConstraint(leftOperand: string, operator: string, ...names: string[]) {
    return {
      ...floodWarning,
      permission: [
        {
          action: 'use',
          constraint: [
            { leftOperand, operator, rightOperand: names.map((name) => ({ '@id': `urn:example:${name}` })) },
          ],
        },
      ],
    }
  }
  const cases: ReadonlyArray<[string, string, string[], RegExp, RegExp]> = [
    ['spatial', 'isPartOf', ['Rheinland'], /nur innerhalb von .*Rheinland/, /only within .*Rheinland/],
    ['spatial', 'eq', ['Kusel'], /nur in .*Kusel/, /only in .*Kusel/],
    [
      'spatial',
      'isNoneOf',
      ['Mainz', 'Trier'],
      /nicht in .*Mainz.* oder .*Trier/,
      /not in .*Mainz.* or .*Trier/,
    ],
    [
      'virtualLocation',
      'isPartOf',
      ['Verwaltungsnetz'],
      /innerhalb von .*Verwaltungsnetz/,
      /within .*Verwaltungsnetz/,
    ],
    ['event', 'eq', ['Hochwasser'], /nur bei .*Hochwasser/, /only in the event of .*Hochwasser/],
    [
      'allmende:dataSpaceMembership',
      'eq',
      ['Pegelraum'],
      /als Mitglied des Datenraums .*Pegelraum/,
      /as a member of the data space .*Pegelraum/,
    ],
    ['allmende:connector', 'eq', ['k1'], /nur über den Konnektor .*k1/, /only through the connector .*k1/],
    ['allmende:connector', 'neq', ['k2'], /nicht über den Konnektor .*k2/, /not through the connector .*k2/],
    ['allmende:securityLevel', 'gteq', ['Trust'], /mit mindestens dem .*Trust/, /with at least the .*Trust/],
    ['allmende:securityLevel', 'eq', ['Trust'], /nur mit dem .*Trust/, /only with the .*Trust/],
    ['allmende:role', 'eq', ['Steward'], /in der Rolle .*Steward/, /in the role .*Steward/],
    ['allmende:contractRef', 'eq', ['V7'], /im Rahmen des Vertrags .*V7/, /under the contract .*V7/],
  ]
  for (const [leftOperand, operator, names, de, en] of cases) {
    it(`${leftOperand} ${operator} reads naturally in German and English`, () => {
      const policy = withConstraint(leftOperand, operator, ...names)
      assert.match(explainPolicy(policy, { lang: 'de' }).text, de)
      assert.match(explainPolicy(policy, { lang: 'en' }).text, en)
    })
  }

  it('a negative constraint never says "only"', () => {
    const policy = withConstraint('allmende:connector', 'neq', 'k2')
    assert.doesNotMatch(explainPolicy(policy, { lang: 'en' }).text, /only not/)
    assert.doesNotMatch(explainPolicy(policy, { lang: 'de' }).text, /nur nicht/)
  })
})
