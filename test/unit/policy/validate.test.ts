import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { policyValidateCommand } from '../../../src/cli/commands/policy-validate.js'
import { parseTurtle } from '../../../src/policy/graph.js'
import { ALLMENDE_PROFILE } from '../../../src/policy/profile.js'
import { validatePolicy } from '../../../src/policy/validate.js'
import { policyDocumentFromGraph } from '../../../src/policy/validate-rdf.js'
import type { Issue } from '../../../src/policy/validate-tree.js'
import { AllmendeError } from '../../../src/protocol/errors.js'
import { tempDirSync } from '../../support/temp-dir.js'

const CONTEXT = 'http://www.w3.org/ns/odrl.jsonld'

/** A valid Set with one permission; `extra` overrides top-level keys. */
function policy(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    '@context': CONTEXT,
    '@type': 'Set',
    uid: 'urn:uuid:0b4f8a10-0000-4000-8000-000000000001',
    permission: [{ target: 'urn:allmende:dataset:pegel', action: 'use' }],
    ...extra,
  }
}

const codes = (issues: readonly Issue[]) => issues.map((i) => i.code)
const find = (issues: readonly Issue[], code: string) => issues.find((i) => i.code === code)

describe('validatePolicy: structure', () => {
  it('accepts a minimal valid policy without errors or warnings', () => {
    assert.deepEqual(validatePolicy(policy()), { errors: [], warnings: [] })
  })

  it('rejects a document that is not an object', () => {
    const { errors } = validatePolicy(['not', 'a', 'policy'])
    assert.deepEqual(codes(errors), ['not-an-object'])
  })

  it('reports a missing uid and a missing type at the policy', () => {
    const doc = policy()
    delete doc.uid
    delete doc['@type']
    const { errors } = validatePolicy(doc)
    assert.deepEqual(codes(errors).sort(), ['missing-type', 'missing-uid'])
    assert.equal(find(errors, 'missing-uid')?.path, '')
  })

  it('reports a rule without action and an unknown action with their paths', () => {
    const { errors } = validatePolicy(
      policy({ permission: [{ target: 'urn:x' }, { target: 'urn:x', action: 'teleport' }] }),
    )
    assert.equal(find(errors, 'missing-action')?.path, 'permission[0]')
    assert.equal(find(errors, 'unknown-action')?.path, 'permission[1].action')
  })

  it('names the path to a bad right operand: permission[0].constraint[1].rightOperand', () => {
    const { errors } = validatePolicy(
      policy({
        permission: [
          {
            target: 'urn:x',
            action: 'use',
            constraint: [
              { leftOperand: 'count', operator: 'lteq', rightOperand: 10 },
              { leftOperand: 'dateTime', operator: 'lteq', rightOperand: 'next Tuesday' },
            ],
          },
        ],
      }),
    )
    assert.equal(errors.length, 1)
    assert.equal(errors[0]?.code, 'bad-right-operand')
    assert.equal(errors[0]?.path, 'permission[0].constraint[1].rightOperand')
  })

  it('rejects a count that is not a non-negative integer and a malformed duration', () => {
    const { errors } = validatePolicy(
      policy({
        permission: [
          {
            action: 'use',
            constraint: [
              { leftOperand: 'count', operator: 'lteq', rightOperand: -1 },
              { leftOperand: 'elapsedTime', operator: 'lteq', rightOperand: '30 days' },
            ],
          },
        ],
      }),
    )
    assert.deepEqual(
      errors.map((e) => e.path),
      ['permission[0].constraint[0].rightOperand', 'permission[0].constraint[1].rightOperand'],
    )
  })

  it('rejects operators that do not fit the left operand', () => {
    const { errors } = validatePolicy(
      policy({
        permission: [
          {
            action: 'use',
            constraint: [
              {
                leftOperand: 'purpose',
                operator: 'lt',
                rightOperand: { '@id': 'https://w3id.org/dpv#Marketing' },
              },
              { leftOperand: 'dateTime', operator: 'isA', rightOperand: '2027-01-01' },
              { leftOperand: 'count', operator: 'eq', rightOperand: [1, 2] },
              { leftOperand: 'count', operator: 'approx', rightOperand: 1 },
            ],
          },
        ],
      }),
    )
    assert.deepEqual(codes(errors).sort(), [
      'operator-mismatch',
      'operator-mismatch',
      'too-many-values',
      'unknown-operator',
    ])
    assert.equal(find(errors, 'operator-mismatch')?.path, 'permission[0].constraint[0].operator')
  })

  it('reports missing operands and both right operand forms', () => {
    const { errors } = validatePolicy(
      policy({
        permission: [
          {
            action: 'use',
            constraint: [
              { operator: 'eq', rightOperand: 1 },
              { leftOperand: 'count', rightOperand: 1 },
              { leftOperand: 'count', operator: 'eq' },
              { leftOperand: 'count', operator: 'eq', rightOperand: 1, rightOperandReference: 'urn:x' },
            ],
          },
        ],
      }),
    )
    assert.deepEqual(codes(errors), [
      'missing-left-operand',
      'missing-operator',
      'missing-right-operand',
      'both-right-operands',
    ])
  })

  it('checks logical constraints: one operand, members validated with nested paths', () => {
    const { errors } = validatePolicy(
      policy({
        permission: [
          {
            action: 'use',
            constraint: [
              {
                or: [
                  { leftOperand: 'count', operator: 'lteq', rightOperand: 1 },
                  { leftOperand: 'dateTime', operator: 'lt', rightOperand: 'soon' },
                ],
                and: [],
              },
            ],
          },
        ],
      }),
    )
    assert.ok(codes(errors).includes('bad-logical-constraint'))
    assert.equal(find(errors, 'bad-right-operand')?.path, 'permission[0].constraint[0].or[1].rightOperand')
  })

  it('requires assigner and assignee on an Agreement and an assigner on an Offer', () => {
    const agreement = validatePolicy(policy({ '@type': 'Agreement', assigner: 'did:web:kusel.de' }))
    assert.deepEqual(codes(agreement.errors), ['missing-party'])
    assert.match(agreement.errors[0]?.message ?? '', /assignee/)
    const offer = validatePolicy(policy({ '@type': 'Offer' }))
    assert.deepEqual(codes(offer.errors), ['missing-party'])
    const ok = validatePolicy(policy({ '@type': 'Offer', assigner: 'did:web:kusel.de' }))
    assert.deepEqual(ok.errors, [])
  })

  it('rejects a duty inside a prohibition and a bad conflict value', () => {
    const { errors } = validatePolicy(
      policy({ conflict: 'whatever', prohibition: [{ action: 'distribute', duty: [{ action: 'delete' }] }] }),
    )
    assert.deepEqual(codes(errors).sort(), ['bad-conflict', 'misplaced-rule'])
    assert.equal(find(errors, 'misplaced-rule')?.path, 'prohibition[0].duty')
  })
})

describe('validatePolicy: profile terms', () => {
  const withOperand = (leftOperand: string, rightOperand: unknown, profile = true) =>
    policy({
      ...(profile && { profile: ALLMENDE_PROFILE }),
      permission: [
        {
          action: 'use',
          constraint: [
            { leftOperand: 'count', operator: 'lteq', rightOperand: 5 },
            { leftOperand, operator: 'eq', rightOperand },
          ],
        },
      ],
    })

  it('accepts the profile left operands when the profile is declared', () => {
    const doc = withOperand('https://w3id.org/allmende/odrl#dataSpaceMembership', {
      '@id': 'did:web:suedwest.de',
    })
    assert.deepEqual(validatePolicy(doc).errors, [])
  })

  it('reports an unknown left operand under a declared profile as an error with its path', () => {
    const { errors } = validatePolicy(withOperand('https://w3id.org/allmende/odrl#favouriteColour', 'blue'))
    assert.deepEqual(codes(errors), ['unknown-left-operand'])
    assert.equal(errors[0]?.path, 'permission[0].constraint[1].leftOperand')
    assert.match(errors[0]?.message ?? '', /odrl-profile\/v1/)
  })

  it('requires the profile declaration for profile terms', () => {
    const { errors } = validatePolicy(
      withOperand('https://w3id.org/allmende/odrl#contractRef', 'KL-MOB-2025-017', false),
    )
    assert.deepEqual(codes(errors), ['undeclared-profile'])
  })

  it('reports a left operand of no profile as unknown', () => {
    const { errors } = validatePolicy(withOperand('http://example.org/colour', 'blue', false))
    assert.deepEqual(codes(errors), ['unknown-left-operand'])
  })

  it('only warns about terms of a foreign profile it cannot check', () => {
    const doc = withOperand('http://example.org/colour', 'blue', false)
    doc.profile = 'http://example.org/other-profile'
    const { errors, warnings } = validatePolicy(doc)
    assert.deepEqual(errors, [])
    assert.deepEqual(codes(warnings), ['unknown-profile'])
  })

  it('checks closed value lists of the profile (security levels)', () => {
    const doc = withOperand('https://w3id.org/allmende/odrl#securityLevel', {
      '@id': 'https://w3id.org/allmende/odrl#Gold',
    })
    assert.deepEqual(codes(validatePolicy(doc).errors), ['bad-right-operand'])
  })
})

describe('validatePolicy: unsatisfiable constraints', () => {
  const rule = (...constraint: unknown[]) => policy({ permission: [{ action: 'use', constraint }] })

  it('warns when dateTime gt 2027 and lt 2026 cannot both hold', () => {
    const { errors, warnings } = validatePolicy(
      rule(
        {
          leftOperand: 'dateTime',
          operator: 'gt',
          rightOperand: { '@value': '2027-01-01', '@type': 'xsd:date' },
        },
        {
          leftOperand: 'dateTime',
          operator: 'lt',
          rightOperand: { '@value': '2026-01-01', '@type': 'xsd:date' },
        },
      ),
    )
    assert.deepEqual(errors, [])
    assert.deepEqual(codes(warnings), ['unsatisfiable-constraint'])
    assert.equal(warnings[0]?.path, 'permission[0].constraint[1]')
    assert.match(warnings[0]?.message ?? '', /permission\[0\]\.constraint\[0\]/)
  })

  it('treats counts as integers: gt 3 and lt 4 is empty, gt 3 and lt 5 is not', () => {
    const empty = rule(
      { leftOperand: 'count', operator: 'gt', rightOperand: 3 },
      { leftOperand: 'count', operator: 'lt', rightOperand: 4 },
    )
    assert.deepEqual(codes(validatePolicy(empty).warnings), ['unsatisfiable-constraint'])
    const fine = rule(
      { leftOperand: 'count', operator: 'gt', rightOperand: 3 },
      { leftOperand: 'count', operator: 'lt', rightOperand: 5 },
    )
    assert.deepEqual(validatePolicy(fine).warnings, [])
  })

  it('warns for numbers (payAmount) and for eq against neq', () => {
    const amounts = rule(
      { leftOperand: 'payAmount', operator: 'gteq', rightOperand: 100.5 },
      { leftOperand: 'payAmount', operator: 'lteq', rightOperand: 100 },
    )
    assert.deepEqual(codes(validatePolicy(amounts).warnings), ['unsatisfiable-constraint'])
    const point = rule(
      { leftOperand: 'count', operator: 'eq', rightOperand: 3 },
      { leftOperand: 'count', operator: 'neq', rightOperand: 3 },
    )
    assert.deepEqual(codes(validatePolicy(point).warnings), ['unsatisfiable-constraint'])
  })

  it('warns for two different eq purposes, not for alternatives under or', () => {
    const purpose = (id: string) => ({
      leftOperand: 'purpose',
      operator: 'eq',
      rightOperand: { '@id': `https://w3id.org/dpv#${id}` },
    })
    assert.deepEqual(codes(validatePolicy(rule(purpose('Marketing'), purpose('PublicBenefit'))).warnings), [
      'unsatisfiable-constraint',
    ])
    assert.deepEqual(
      validatePolicy(rule({ or: [purpose('Marketing'), purpose('PublicBenefit')] })).warnings,
      [],
    )
  })

  it('does not warn when a date-only upper bound and a time on that day meet', () => {
    const doc = rule(
      { leftOperand: 'dateTime', operator: 'gteq', rightOperand: '2027-12-31T12:00:00Z' },
      { leftOperand: 'dateTime', operator: 'lteq', rightOperand: '2027-12-31' },
    )
    assert.deepEqual(validatePolicy(doc).warnings, [])
  })

  it('finds contradictions nested in an and', () => {
    const doc = rule({
      and: [
        { leftOperand: 'elapsedTime', operator: 'gt', rightOperand: 'P1Y' },
        { leftOperand: 'elapsedTime', operator: 'lt', rightOperand: 'P6M' },
      ],
    })
    assert.equal(validatePolicy(doc).warnings[0]?.path, 'permission[0].constraint[0].and[1]')
  })
})

describe('validatePolicy: shadowed rules', () => {
  it('warns when a prohibition of use shadows a permission to read', () => {
    const { warnings } = validatePolicy(
      policy({ permission: [{ action: 'read', target: 'urn:x' }], prohibition: [{ action: 'use' }] }),
    )
    assert.deepEqual(codes(warnings), ['shadowed-rule'])
    assert.equal(warnings[0]?.path, 'permission[0]')
    assert.match(warnings[0]?.message ?? '', /void/)
  })

  it('says the permission never takes effect under conflict prohibit, and is silent under perm', () => {
    const base = { permission: [{ action: 'read', target: 'urn:x' }], prohibition: [{ action: 'read' }] }
    const prohibit = validatePolicy(policy({ ...base, conflict: 'prohibit' }))
    assert.match(prohibit.warnings[0]?.message ?? '', /never takes effect/)
    assert.deepEqual(validatePolicy(policy({ ...base, conflict: 'perm' })).warnings, [])
  })

  it('does not call a prohibition with extra constraints or another target a shadow', () => {
    const constrained = validatePolicy(
      policy({
        conflict: 'prohibit',
        permission: [{ action: 'read', target: 'urn:x' }],
        prohibition: [
          { action: 'read', constraint: [{ leftOperand: 'count', operator: 'gt', rightOperand: 5 }] },
        ],
      }),
    )
    assert.deepEqual(constrained.warnings, [])
    const other = validatePolicy(
      policy({
        conflict: 'prohibit',
        permission: [{ action: 'read', target: 'urn:x' }],
        prohibition: [{ action: 'read', target: 'urn:y' }],
      }),
    )
    assert.deepEqual(other.warnings, [])
  })

  it('warns that a narrower prohibition voids the policy under the default strategy', () => {
    const doc = policy({
      permission: [{ action: 'use', target: 'urn:x' }],
      prohibition: [{ action: 'distribute' }],
    })
    const { warnings } = validatePolicy(doc)
    assert.deepEqual(codes(warnings), ['conflict-voids-policy'])
    assert.equal(warnings[0]?.path, 'prohibition[0]')
    assert.deepEqual(validatePolicy({ ...doc, conflict: 'prohibit' }).warnings, [])
  })
})

describe('validatePolicy: duties nobody can fulfil', () => {
  it('warns when the duty action is prohibited', () => {
    const { warnings } = validatePolicy(
      policy({
        conflict: 'prohibit',
        permission: [{ action: 'use', target: 'urn:x', duty: [{ action: 'inform' }] }],
        prohibition: [{ action: 'inform' }],
      }),
    )
    assert.deepEqual(codes(warnings), ['unfulfillable-duty'])
    assert.equal(warnings[0]?.path, 'permission[0].duty[0]')
  })

  it('warns when an obligation names no assignee', () => {
    const { warnings } = validatePolicy(
      policy({ permission: undefined, obligation: [{ action: 'delete', target: 'urn:x' }] }),
    )
    assert.deepEqual(codes(warnings), ['unfulfillable-duty'])
    assert.equal(warnings[0]?.path, 'obligation[0]')
    const assigned = validatePolicy(
      policy({
        permission: undefined,
        obligation: [{ action: 'delete', target: 'urn:x', assignee: 'did:web:mayen-koblenz.de' }],
      }),
    )
    assert.deepEqual(assigned.warnings, [])
  })

  it('warns when the duty contradicts itself', () => {
    const { warnings } = validatePolicy(
      policy({
        permission: [
          {
            action: 'use',
            duty: [
              {
                action: 'delete',
                constraint: [
                  { leftOperand: 'delayPeriod', operator: 'gteq', rightOperand: 'P60D' },
                  { leftOperand: 'delayPeriod', operator: 'lteq', rightOperand: 'P30D' },
                ],
              },
            ],
          },
        ],
      }),
    )
    assert.deepEqual(codes(warnings), ['unfulfillable-duty'])
    assert.equal(warnings[0]?.path, 'permission[0].duty[0].constraint[1]')
  })

  it('warns when the duty can only be done after the permission has ended', () => {
    const { warnings } = validatePolicy(
      policy({
        permission: [
          {
            action: 'use',
            constraint: [{ leftOperand: 'dateTime', operator: 'lteq', rightOperand: '2026-12-31' }],
            duty: [
              {
                action: 'compensate',
                constraint: [{ leftOperand: 'dateTime', operator: 'gteq', rightOperand: '2027-06-01' }],
              },
            ],
          },
        ],
      }),
    )
    assert.deepEqual(codes(warnings), ['unfulfillable-duty'])
    assert.match(warnings[0]?.message ?? '', /2027-06-01/)
  })
})

describe('validatePolicy: other forms of input', () => {
  it('reads odrl: CURIEs, full IRIs and a @graph', () => {
    const doc = {
      '@context': { odrl: 'http://www.w3.org/ns/odrl/2/' },
      '@graph': [
        { '@id': 'did:web:kusel.de', 'http://www.w3.org/2000/01/rdf-schema#label': 'Landkreis Kusel' },
        {
          '@id': 'urn:p',
          '@type': 'odrl:Set',
          'odrl:permission': [
            {
              'odrl:action': { '@id': 'odrl:use' },
              'http://www.w3.org/ns/odrl/2/constraint': [
                {
                  'odrl:leftOperand': { '@id': 'odrl:count' },
                  'odrl:operator': { '@id': 'odrl:lteq' },
                  'odrl:rightOperand': 'x',
                },
              ],
            },
          ],
        },
      ],
    }
    const { errors } = validatePolicy(doc)
    assert.deepEqual(codes(errors), ['bad-right-operand'])
    assert.equal(
      errors[0]?.path,
      '@graph[1].odrl:permission[0].http://www.w3.org/ns/odrl/2/constraint[0].odrl:rightOperand',
    )
  })

  it('validates Turtle through the graph reader with ODRL paths', () => {
    const graph = parseTurtle(`
      @prefix odrl: <http://www.w3.org/ns/odrl/2/> .
      <urn:p> a odrl:Set ; odrl:permission [ odrl:action odrl:use ;
        odrl:constraint [ odrl:leftOperand odrl:dateTime ; odrl:operator odrl:gt ; odrl:rightOperand "2027-01-01" ] ,
                        [ odrl:leftOperand odrl:dateTime ; odrl:operator odrl:lt ; odrl:rightOperand "2026-01-01" ] ] .`)
    const doc = policyDocumentFromGraph(graph)
    assert.ok(doc !== undefined)
    const { errors, warnings } = validatePolicy(doc)
    assert.deepEqual(errors, [])
    assert.deepEqual(codes(warnings), ['unsatisfiable-constraint'])
    assert.equal(warnings[0]?.path, 'permission.constraint[1]')
  })
})

describe('allmende policy validate', () => {
  const dir = tempDirSync('allmende-validate-')
  const write = (name: string, content: string) => {
    const path = join(dir, name)
    writeFileSync(path, content)
    return path
  }
  const capture = (): CliIo & { out: string[] } => {
    const out: string[] = []
    return { out, stdout: (t) => out.push(t), stderr: () => {}, readStdin: async () => '' }
  }

  it('exits 0 for a valid policy and prints that it is valid', async () => {
    const io = capture()
    assert.equal(await policyValidateCommand.run([write('ok.jsonld', JSON.stringify(policy()))], io), 0)
    assert.match(io.out.join(''), /valid/)
  })

  it('exits 1 on errors and prints path and code', async () => {
    const io = capture()
    const bad = policy({
      permission: [
        { action: 'use', constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 'ten' }] },
      ],
    })
    assert.equal(await policyValidateCommand.run([write('bad.jsonld', JSON.stringify(bad))], io), 1)
    assert.match(io.out.join(''), /permission\[0\]\.constraint\[0\]\.rightOperand\s+\[bad-right-operand\]/)
  })

  it('--json prints machine-readable issues; warnings alone exit 0', async () => {
    const io = capture()
    const warn = policy({
      permission: [{ action: 'read', target: 'urn:x' }],
      prohibition: [{ action: 'use' }],
    })
    assert.equal(await policyValidateCommand.run([write('warn.json', JSON.stringify(warn)), '--json'], io), 0)
    const out = JSON.parse(io.out.join(''))
    assert.equal(out.valid, true)
    assert.equal(out.warnings[0].code, 'shadowed-rule')
  })

  it('throws (exit 2) for unreadable or unparseable input and usage errors', async () => {
    await assert.rejects(policyValidateCommand.run([join(dir, 'missing.jsonld')], capture()), AllmendeError)
    await assert.rejects(
      policyValidateCommand.run([write('broken.json', '{"@type": ')], capture()),
      AllmendeError,
    )
    await assert.rejects(
      policyValidateCommand.run([write('broken.ttl', '<urn:a> <urn:b> .')], capture()),
      AllmendeError,
    )
    await assert.rejects(policyValidateCommand.run([], capture()), /required/)
  })
})
