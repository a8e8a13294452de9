import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { policyNewCommand, policyTemplatesCommand } from '../../../src/cli/commands/policy-new.js'
import { compileParsedPolicy } from '../../../src/policy/evaluate.js'
import { explainPolicy } from '../../../src/policy/explain.js'
import { parsePolicy } from '../../../src/policy/parse.js'
import { ALLMENDE_NS, PURPOSE_TYPES } from '../../../src/policy/profile.js'
import {
  fillTemplate,
  findTemplate,
  loadTemplates,
  parseParameterAssignments,
  TemplateNotFoundError,
  TemplateParameterError,
} from '../../../src/policy/templates.js'
import { validatePolicy } from '../../../src/policy/validate.js'
import { tempDirSync } from '../../support/temp-dir.js'

/** A sample value for every parameter name the templates use. */
const SAMPLES: Readonly<Record<string, string>> = {
  assigner: 'did:web:kusel.de',
  target: 'urn:allmende:dataset:pegel-glan',
  assignee: 'did:web:mayen-koblenz.de',
  count: '10',
  start: '2026-01-01',
  end: '2026-12-31',
  until: '2027-12-31',
  duration: 'P3M',
  deleteAfter: 'P30D',
  notify: 'did:web:kusel.de',
  connector: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK',
  purpose: 'NonCommercialResearch',
  location: 'http://sws.geonames.org/2921044/',
  level: 'Trust',
  event: 'https://w3id.org/allmende/odrl#FloodAlert',
  role: 'https://w3id.org/allmende/odrl#DataSteward',
  price: '500.00',
  dataSpace: 'did:web:suedwest-cluster.de',
  blocked: 'did:web:streitpartei.example',
}

const REQUIRED_TEMPLATES = [
  'provide-access',
  'prohibit-access',
  'n-times-usage',
  'usage-during-interval',
  'duration-usage',
  'use-and-delete-after',
  'usage-logging',
  'usage-notification',
  'connector-restricted',
  'purpose-restriction',
  'location-restriction',
  'security-level',
  'event-based',
  'role-based',
  'distribute-only-encrypted',
  'perpetual-sale',
  'rental',
  'members-only',
  'flood-warning-only',
  'research-pseudonymised',
]

const fixedId = { newId: () => 'urn:uuid:00000000-0000-4000-8000-000000000001' }

function samplesFor(name: string): Record<string, string> {
  const t = findTemplate(name)
  return Object.fromEntries(
    t.parameters.filter((p) => SAMPLES[p.name] !== undefined).map((p) => [p.name, SAMPLES[p.name] as string]),
  )
}

describe('policy templates', () => {
  const templates = loadTemplates()

  it('include every IDS usage pattern and the municipal templates', () => {
    assert.deepEqual(templates.map((t) => t.name).sort(), [...REQUIRED_TEMPLATES].sort())
    for (const t of templates) {
      assert.ok(
        t.title.de !== '' && t.title.en !== '' && t.description.de !== '' && t.description.en !== '',
        t.name,
      )
      for (const p of t.parameters)
        assert.ok(p.description.de !== '' && p.description.en !== '', `${t.name}.${p.name}`)
    }
  })

  for (const name of REQUIRED_TEMPLATES) {
    it(`${name}: filled with sample values it validates without errors or warnings`, () => {
      const policy = fillTemplate(findTemplate(name), samplesFor(name), fixedId)
      assert.doesNotMatch(JSON.stringify(policy), /\{\{|templateParameters/)
      assert.deepEqual(validatePolicy(policy), { errors: [], warnings: [] })
    })

    it(`${name}: explains in German and English`, () => {
      const policy = fillTemplate(findTemplate(name), samplesFor(name), fixedId)
      for (const lang of ['de', 'en'] as const) {
        const { sentences, heading } = explainPolicy(policy, { lang })
        assert.ok(sentences.length > 0, `${name} ${lang}`)
        assert.match(heading, lang === 'de' ? /^Angebot „/ : /^Offer “/)
        for (const s of sentences) {
          assert.match(s, /^[A-ZÄÖÜ].*\.$/, s)
          assert.doesNotMatch(s, /undefined|\{\{|sofern|provided that/, s)
        }
      }
    })

    it(`${name}: the policy engine parses and compiles it`, async () => {
      const policy = fillTemplate(findTemplate(name), samplesFor(name), fixedId)
      const parsed = await parsePolicy(policy)
      assert.equal(parsed.type, 'Offer')
      assert.ok(compileParsedPolicy(parsed))
    })
  }

  it('flood-warning-only reads like the municipal example', () => {
    const policy = fillTemplate(findTemplate('flood-warning-only'), samplesFor('flood-warning-only'), fixedId)
    const labels = {
      'did:web:mayen-koblenz.de': 'Landkreis Mayen-Koblenz',
      'urn:allmende:dataset:pegel-glan': 'Pegeldaten',
    }
    assert.deepEqual(explainPolicy(policy, { lang: 'de', labels }).sentences, [
      'Der Landkreis Mayen-Koblenz darf die Pegeldaten nur zur Hochwasserwarnung nutzen, bis zum 31.12.2027, und muss sie 30 Tage nach Erhalt löschen.',
      'Der Landkreis Mayen-Koblenz darf die Pegeldaten nicht weitergeben.',
      'Widersprechen sich Regeln, gehen die Verbote vor.',
    ])
  })
})

describe('flood-warning-only under the policy engine (scenario 1)', () => {
  it('permits flood warning until the date, denies tourism, later use and distribution', async () => {
    const offer = fillTemplate(findTemplate('flood-warning-only'), samplesFor('flood-warning-only'), fixedId)
    // agreed as offered: the engine evaluates Agreements, never Offers
    const engine = compileParsedPolicy(await parsePolicy({ ...offer, '@type': 'Agreement' }))
    const request = {
      action: 'http://www.w3.org/ns/odrl/2/use',
      target: SAMPLES.target,
      assignee: SAMPLES.assignee,
    }
    const world = (purpose: string, day: string) => ({
      now: new Date(`${day}T12:00:00Z`),
      purpose: ALLMENDE_NS + purpose,
      types: PURPOSE_TYPES,
    })
    assert.equal(engine.decide(request, world('FloodWarning', '2026-06-01')), 'permit')
    assert.equal(engine.decide(request, world('TourismPromotion', '2026-06-01')), 'deny')
    assert.equal(engine.decide(request, world('FloodWarning', '2028-01-01')), 'deny')
    assert.equal(
      engine.decide(
        { ...request, action: 'http://www.w3.org/ns/odrl/2/distribute' },
        world('FloodWarning', '2026-06-01'),
      ),
      'deny',
    )
  })
})

describe('fillTemplate', () => {
  const t = findTemplate('flood-warning-only')

  it('lists the parameters when one is missing', () => {
    assert.throws(
      () => fillTemplate(t, { assigner: 'did:web:kusel.de', target: 'urn:x' }),
      (e: unknown) =>
        e instanceof TemplateParameterError &&
        /needs assignee \(did\), until \(date\)/.test(e.message) &&
        /deleteAfter \(duration, default P30D\)/.test(e.message),
    )
  })

  it('rejects an unknown parameter and lists the known ones', () => {
    assert.throws(
      () => fillTemplate(t, { ...samplesFor('flood-warning-only'), colour: 'blue' }),
      /no parameter colour\. Parameters: uid/,
    )
  })

  it('checks types: dates, durations, counts, DIDs', () => {
    const base = samplesFor('flood-warning-only')
    assert.throws(() => fillTemplate(t, { ...base, until: '2027-02-30' }), /until must be a date/)
    assert.throws(() => fillTemplate(t, { ...base, deleteAfter: '30 days' }), /ISO 8601 duration/)
    assert.throws(() => fillTemplate(t, { ...base, assignee: 'mayen-koblenz.de' }), /must be a DID/)
    const n = findTemplate('n-times-usage')
    assert.throws(() => fillTemplate(n, { ...samplesFor('n-times-usage'), count: '2.5' }), /whole number/)
  })

  it('types values: counts become numbers, purposes and levels full IRIs, defaults apply', () => {
    const n = fillTemplate(findTemplate('n-times-usage'), samplesFor('n-times-usage'), fixedId)
    assert.match(JSON.stringify(n), /"rightOperand":10\b/)
    const p = fillTemplate(
      findTemplate('purpose-restriction'),
      { ...samplesFor('purpose-restriction'), purpose: 'dpv:ImproveTransportMobility' },
      fixedId,
    )
    assert.match(JSON.stringify(p), /https:\/\/w3id\.org\/dpv#ImproveTransportMobility/)
    const s = fillTemplate(
      findTemplate('security-level'),
      { assigner: 'did:web:kusel.de', target: 'urn:x' },
      fixedId,
    )
    assert.match(JSON.stringify(s), /TrustSecurityProfile/)
    const f = fillTemplate(
      t,
      { ...samplesFor('flood-warning-only'), deleteAfter: undefined as unknown as string },
      fixedId,
    )
    assert.match(JSON.stringify(f), /P30D/)
  })

  it('generates a fresh urn:uuid uid unless one is given', () => {
    const a = fillTemplate(findTemplate('provide-access'), samplesFor('provide-access'))
    const b = fillTemplate(findTemplate('provide-access'), samplesFor('provide-access'))
    assert.match(String(a.uid), /^urn:uuid:[0-9a-f-]{36}$/)
    assert.notEqual(a.uid, b.uid)
    const c = fillTemplate(findTemplate('provide-access'), {
      ...samplesFor('provide-access'),
      uid: 'https://kusel.de/policy/1',
    })
    assert.equal(c.uid, 'https://kusel.de/policy/1')
  })

  it('reports an unknown template with the names there are', () => {
    assert.throws(
      () => findTemplate('nope'),
      (e: unknown) => e instanceof TemplateNotFoundError && /flood-warning-only/.test(e.message),
    )
  })

  it('parses key=value assignments', () => {
    assert.deepEqual(parseParameterAssignments(['a=1', 'b=x=y']), { a: '1', b: 'x=y' })
    assert.throws(() => parseParameterAssignments(['novalue']), TemplateParameterError)
  })
})

describe('allmende policy new / templates', () => {
  const capture = (): CliIo & { out: string[]; err: string[] } => {
    const out: string[] = []
    const err: string[] = []
    return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '' }
  }

  it('lists templates with titles', async () => {
    const io = capture()
    assert.equal(await policyTemplatesCommand.run(['--lang', 'de'], io), 0)
    assert.match(io.out.join(''), /flood-warning-only\s+Nur Hochwasserwarnung/)
    const en = capture()
    assert.equal(await policyTemplatesCommand.run(['--lang', 'en', '--verbose'], en), 0)
    assert.match(en.out.join(''), /until \(date, required\): Last day of use/)
  })

  it('prints the filled policy, or writes it with --out', async () => {
    const sets = Object.entries(samplesFor('n-times-usage')).flatMap(([k, v]) => ['--set', `${k}=${v}`])
    const io = capture()
    assert.equal(await policyNewCommand.run(['n-times-usage', ...sets], io), 0)
    const printed = JSON.parse(io.out.join(''))
    assert.deepEqual(validatePolicy(printed).errors, [])
    const out = join(tempDirSync('allmende-new-'), 'p.jsonld')
    assert.equal(await policyNewCommand.run(['n-times-usage', ...sets, '--out', out], capture()), 0)
    assert.equal(JSON.parse(readFileSync(out, 'utf8')).permission[0].constraint[0].rightOperand, 10)
  })

  it('fails with the parameter list on a missing parameter', async () => {
    await assert.rejects(
      policyNewCommand.run(['n-times-usage'], capture()),
      /needs assigner \(did\), target \(iri\), count \(count\)/,
    )
    await assert.rejects(policyNewCommand.run([], capture()), /template name is required/)
  })
})
