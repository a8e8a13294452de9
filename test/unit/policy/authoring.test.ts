import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { policyExplainCommand } from '../../../src/cli/commands/policy-explain.js'
import { policyValidateCommand } from '../../../src/cli/commands/policy-validate.js'
import { cliLang } from '../../../src/cli/lang.js'
import { runCli } from '../../../src/cli/run-cli.js'
import { hasIssueMessage, issueMessage } from '../../../src/policy/messages.js'
import { ALLMENDE_PROFILE } from '../../../src/policy/profile.js'
import { validatePolicy } from '../../../src/policy/validate.js'
import type { Issue } from '../../../src/policy/validate-tree.js'
import { tempDirSync } from '../../support/temp-dir.js'

const CONTEXT = 'http://www.w3.org/ns/odrl.jsonld'
const NOW = new Date('2026-12-05T12:00:00Z')

/** An Offer of the Allmende profile with one permission holding `constraint`. */
function offer(...constraint: unknown[]): Record<string, unknown> {
  return {
    '@context': [CONTEXT, { allmende: 'https://w3id.org/allmende/odrl#', dpv: 'https://w3id.org/dpv#' }],
    '@type': 'Offer',
    uid: 'urn:uuid:0b4f8a10-0000-4000-8000-0000000000aa',
    profile: ALLMENDE_PROFILE,
    assigner: 'did:web:kusel.de',
    permission: [{ target: 'urn:allmende:dataset:pegel', action: 'use', constraint }],
  }
}

const dateTime = (operator: string, value: string) => ({
  leftOperand: 'dateTime',
  operator,
  rightOperand: { '@value': value, '@type': value.includes('T') ? 'xsd:dateTime' : 'xsd:date' },
})
const count = (operator: string, value: number) => ({ leftOperand: 'count', operator, rightOperand: value })
const purpose = (operator: string, iri: string) => ({
  leftOperand: 'purpose',
  operator,
  rightOperand: { '@id': iri },
})
const codes = (issues: readonly Issue[]) => issues.map((i) => i.code)

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '' }
}

describe('policy validate: expired offers', () => {
  it('warns for an offer that ended in 2020, naming the constraint', () => {
    const { errors, warnings } = validatePolicy(offer(dateTime('lt', '2020-01-01')), { now: NOW })
    assert.deepEqual(errors, [])
    assert.deepEqual(codes(warnings), ['expired'])
    assert.equal(warnings[0]?.path, 'permission[0].constraint[0]')
    assert.deepEqual(warnings[0]?.params, { role: 'permission', operator: 'lt', end: '2020-01-01' })
  })

  it('counts a last day as a whole day, and says nothing without a now or for a future end', () => {
    assert.deepEqual(validatePolicy(offer(dateTime('lteq', '2026-12-05')), { now: NOW }).warnings, [])
    assert.deepEqual(codes(validatePolicy(offer(dateTime('lteq', '2026-12-04')), { now: NOW }).warnings), [
      'expired',
    ])
    assert.deepEqual(validatePolicy(offer(dateTime('lt', '2020-01-01'))).warnings, [])
    assert.deepEqual(validatePolicy(offer(dateTime('lteq', '2027-12-31')), { now: NOW }).warnings, [])
  })
})

describe('policy validate: impossible counts', () => {
  for (const [operator, value] of [
    ['lt', 0],
    ['lteq', 0],
    ['lt', 1],
    ['eq', 0],
  ] as const) {
    it(`warns for count ${operator} ${value}: the first use is count 1`, () => {
      const { errors, warnings } = validatePolicy(offer(count(operator, value)))
      assert.deepEqual(errors, [])
      assert.deepEqual(codes(warnings), ['impossible-count'])
    })
  }

  it('accepts count lteq 1 and count lt 2 (one use)', () => {
    assert.deepEqual(validatePolicy(offer(count('lteq', 1))).warnings, [])
    assert.deepEqual(validatePolicy(offer(count('lt', 2))).warnings, [])
  })
})

describe('policy validate: disjoint conditions', () => {
  const flood = 'allmende:FloodWarning'
  it('warns for two purposes no purpose can satisfy at once (isA FloodWarning and isA Marketing)', () => {
    const { warnings } = validatePolicy(offer(purpose('isA', flood), purpose('isA', 'dpv:Marketing')))
    assert.deepEqual(codes(warnings), ['unsatisfiable-constraint'])
    assert.equal(warnings[0]?.path, 'permission[0].constraint[1]')
  })

  it('warns inside an explicit and, and for eq outside an isA', () => {
    const nested = validatePolicy(offer({ and: [purpose('isA', flood), purpose('isA', 'dpv:Advertising')] }))
    assert.deepEqual(codes(nested.warnings), ['unsatisfiable-constraint'])
    const eq = validatePolicy(offer(purpose('isA', flood), purpose('eq', 'dpv:Marketing')))
    assert.deepEqual(codes(eq.warnings), ['unsatisfiable-constraint'])
  })

  it('does not warn for a purpose and its broader one, or for alternatives under or', () => {
    assert.deepEqual(
      validatePolicy(offer(purpose('isA', flood), purpose('isA', 'dpv:CombatClimateChange'))).warnings,
      [],
    )
    assert.deepEqual(
      validatePolicy(offer({ or: [purpose('isA', flood), purpose('isA', 'dpv:Marketing')] })).warnings,
      [],
    )
  })

  it('warns for an and of contradictory ranges', () => {
    const { warnings } = validatePolicy(
      offer({ and: [dateTime('gteq', '2028-01-01'), dateTime('lt', '2027-06-01')] }),
      { now: NOW },
    )
    assert.deepEqual(codes(warnings), ['unsatisfiable-constraint'])
  })
})

describe('validator messages in German and English', () => {
  // one policy per finding the validator can report, errors and warnings
  const docs: unknown[] = [
    'not a policy',
    { '@graph': [{ '@id': 'urn:x' }] },
    { '@context': CONTEXT, uid: 'urn:p' },
    { '@context': CONTEXT, '@type': 'Thing', permission: [{ action: 'use' }] },
    {
      '@context': CONTEXT,
      '@type': 'Offer',
      uid: 'urn:p',
      conflict: 'maybe',
      profile: 'https://example.org/other-profile',
      assignee: 42,
      target: { '@type': 'Asset' },
      permission: [
        {
          action: ['use', 'frobnicate', { refinement: [] }, 'allmende:announce'],
          remedy: { action: 'delete' },
          duty: [{ action: 'inform' }],
          constraint: [
            'no',
            { and: [], or: [] },
            { leftOperand: 'dateTime', and: [count('lt', 3)] },
            { leftOperand: 7, operator: 'eq', rightOperand: 1 },
            { operator: 'lteqq', rightOperand: 1 },
            { leftOperand: 'count' },
            { leftOperand: 'count', operator: 'eq', rightOperand: 1, rightOperandReference: 'urn:r' },
            { leftOperand: 'count', operator: 'eq', rightOperand: [{ nothing: true }] },
            { leftOperand: 'ex:wild', operator: 'eq', rightOperand: 1 },
            { leftOperand: 'allmende:dataSpaceMembership', operator: 'lt', rightOperand: 1 },
            { leftOperand: 'purpose', operator: 'lt', rightOperand: 'dpv:Marketing' },
            { leftOperand: 'count', operator: 'isA', rightOperand: 1 },
            { leftOperand: 'count', operator: 'eq', rightOperand: [1, 2] },
            dateTime('eq', 'soon'),
            { leftOperand: 'elapsedTime', operator: 'eq', rightOperand: 'long' },
            count('eq', -1),
            { leftOperand: 'percentage', operator: 'eq', rightOperand: 120 },
            { leftOperand: 'payAmount', operator: 'eq', rightOperand: 'much' },
          ],
        },
        'just a word',
      ],
    },
    { '@context': CONTEXT, '@type': 'Set', uid: 'urn:p' },
    { '@context': CONTEXT, '@type': 'Agreement', uid: 'urn:p', permission: [{}] },
    offer(dateTime('lt', '2020-01-01'), count('lteq', 0), count('gt', 3), count('lt', 2)),
    {
      '@context': CONTEXT,
      '@type': 'Set',
      uid: 'urn:p',
      permission: [
        { action: 'read', target: 'urn:x' },
        {
          action: 'use',
          target: 'urn:y',
          constraint: [dateTime('lteq', '2026-12-31')],
          duty: [
            { action: 'compensate', constraint: [dateTime('gteq', '2027-06-01')] },
            { action: 'delete', constraint: [count('gt', 3), count('lt', 2)] },
            { action: 'inform' },
          ],
        },
      ],
      prohibition: [{ action: 'use', target: 'urn:x' }, { action: 'distribute' }, { action: 'inform' }],
      obligation: [{ action: 'delete', target: 'urn:x' }],
    },
    {
      '@context': CONTEXT,
      '@type': 'Set',
      uid: 'urn:p',
      conflict: 'prohibit',
      permission: [
        { action: { 'rdf:value': { '@id': 'odrl:use' }, refinement: [count('gt', 3), count('lt', 2)] } },
      ],
      prohibition: [{ action: 'use', target: 'urn:z' }],
    },
    { '@context': CONTEXT, '@type': 'Set', uid: 'urn:p', permission: [{ action: 'allmende:announce' }] },
  ]
  const issues = docs.flatMap((d) => {
    const r = validatePolicy(d, { now: NOW })
    return [...r.errors, ...r.warnings]
  })

  it('every finding has a code with params, and a German and an English text that differ', () => {
    const seen = new Set(issues.map((i) => i.code))
    assert.ok(seen.size >= 30, `only ${seen.size} codes: ${[...seen].join(', ')}`)
    for (const issue of issues) {
      assert.ok(hasIssueMessage(issue.code), `no message for ${issue.code}`)
      const de = issueMessage(issue.code, issue.params, 'de')
      const en = issueMessage(issue.code, issue.params, 'en')
      assert.equal(en, issue.message)
      assert.notEqual(de, en, `${issue.code} is not translated`)
      assert.doesNotMatch(de + en, /undefined|\[object Object\]/, `${issue.code}: ${de} / ${en}`)
    }
  })

  it('the unknown operator in German and English', () => {
    const unknown = issues.find((i) => i.code === 'unknown-operator')
    assert.ok(unknown !== undefined)
    assert.match(
      issueMessage(unknown.code, unknown.params, 'de'),
      /^Unbekannter Operator "lteqq"; erlaubt sind eq/,
    )
    assert.match(issueMessage(unknown.code, unknown.params, 'en'), /^Unknown operator "lteqq"; use one of eq/)
  })

  it('--lang wins, then LC_ALL, LC_MESSAGES, LANG; a neutral locale is German', () => {
    assert.equal(cliLang('en', { LANG: 'de_DE.UTF-8' }), 'en')
    assert.equal(cliLang(undefined, { LANG: 'en_GB.UTF-8' }), 'en')
    assert.equal(cliLang(undefined, { LC_ALL: 'de_DE.UTF-8', LANG: 'en_US.UTF-8' }), 'de')
    assert.equal(cliLang(undefined, { LANG: 'C.UTF-8' }), 'de')
    assert.throws(() => cliLang('fr', {}), /de or en/)
  })
})

describe('allmende policy explain and validate on authoring mistakes', () => {
  const dir = tempDirSync('allmende-authoring-')
  const write = (name: string, content: string) => {
    const path = join(dir, name)
    writeFileSync(path, content)
    return path
  }
  const typo = write(
    'typo.jsonld',
    JSON.stringify(
      offer({ leftOperand: 'dateTime', operator: 'lteqq', rightOperand: '2027-12-31' }),
      null,
      2,
    ),
  )

  it('explain refuses a policy with an unknown operator: exit 2 and the validator message, no sentence', async () => {
    const io = capture()
    assert.equal(await runCli(['policy', 'explain', typo, '--lang', 'de'], io), 2)
    assert.deepEqual(io.out, [])
    assert.match(
      io.err.join(''),
      /ist ungültig, keine Erklärung: permission\[0\]\.constraint\[0\]\.operator: Unbekannter Operator "lteqq"/,
    )
    const en = capture()
    assert.equal(await runCli(['policy', 'explain', typo, '--lang', 'en'], en), 2)
    assert.match(en.err.join(''), /is invalid, nothing explained: .*Unknown operator "lteqq"/)
    await assert.rejects(policyExplainCommand.run([typo], capture()), { code: 'ALLMENDE_INVALID_POLICY' })
  })

  it('validate prints the expired warning in the language asked for, exit 0', async () => {
    const expired = write('expired.jsonld', JSON.stringify(offer(dateTime('lt', '2020-01-01'))))
    const de = capture()
    assert.equal(await policyValidateCommand.run([expired, '--lang', 'de'], de), 0)
    assert.match(
      de.out.join(''),
      /Warnung {2}permission\[0\]\.constraint\[0\] {2}\[expired\] {2}Die Erlaubnis ist abgelaufen/,
    )
    assert.match(de.out.join(''), /gültig, 1 Warnung/)
    const en = capture()
    assert.equal(await policyValidateCommand.run([expired, '--lang', 'en', '--json'], en), 0)
    const out = JSON.parse(en.out.join(''))
    assert.equal(out.warnings[0].code, 'expired')
    assert.match(out.warnings[0].message, /^The permission ended 2020-01-01/)
  })

  it('a JSON syntax error names line and column, not a character position', async () => {
    const broken = write('broken.jsonld', '{\n  "@type": "Offer",\n  "uid": "urn:x"\n  "permission": []\n}\n')
    const io = capture()
    assert.equal(await runCli(['policy', 'validate', broken], io), 2)
    assert.match(io.err.join(''), /broken\.jsonld is not valid JSON at line 4, column 3: expected , or \}/)
    assert.doesNotMatch(io.err.join(''), /position/)
  })
})
