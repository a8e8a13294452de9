import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  compilePolicy,
  evaluatePolicy,
  type PolicyRequest,
  type WorldState,
} from '../../../src/policy/index.js'

const CTX = 'http://www.w3.org/ns/odrl.jsonld'
const ALICE = 'https://example.org/alice'
const DATA = 'https://example.org/data'
const READ: PolicyRequest = { assignee: ALICE, action: 'read', target: DATA }

function agreement(
  rule: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    '@context': CTX,
    '@type': 'Agreement',
    uid: 'https://example.org/policy',
    assigner: 'https://example.org/city',
    permission: [{ target: DATA, assignee: ALICE, action: 'use', ...rule }],
    ...extra,
  }
}

function constraint(
  leftOperand: string,
  operator: string,
  rightOperand: unknown,
  more: Record<string, unknown> = {},
) {
  return { leftOperand, operator, rightOperand, ...more }
}

function decide(
  policy: Record<string, unknown>,
  world: WorldState = {},
  request: PolicyRequest = READ,
): string {
  return compilePolicy(policy).evaluate(request, world).decision
}

const dt = (v: string) => ({ '@value': v, '@type': 'xsd:dateTime' })
const dec = (v: string) => ({ '@value': v, '@type': 'xsd:decimal' })
const dur = (v: string) => ({ '@value': v, '@type': 'xsd:duration' })

describe('operators', () => {
  const cases: Array<[string, unknown, WorldState, string]> = [
    ['eq', 5, { count: 5 }, 'permit'],
    ['eq', 5, { count: 4 }, 'deny'],
    ['neq', 5, { count: 4 }, 'permit'],
    ['neq', 5, { count: 5 }, 'deny'],
    ['lt', 5, { count: 4 }, 'permit'],
    ['lt', 5, { count: 5 }, 'deny'],
    ['lteq', 5, { count: 5 }, 'permit'],
    ['lteq', 5, { count: 6 }, 'deny'],
    ['gt', 5, { count: 6 }, 'permit'],
    ['gt', 5, { count: 5 }, 'deny'],
    ['gteq', 5, { count: 5 }, 'permit'],
    ['gteq', 5, { count: 4 }, 'deny'],
  ]
  for (const [op, right, world, expected] of cases) {
    it(`count ${op} ${right} with count ${world.count} -> ${expected}`, () => {
      assert.equal(decide(agreement({ constraint: [constraint('count', op, right)] }), world), expected)
    })
  }
  const purposes = { '@id': 'https://example.org/research' }
  const teaching = { '@id': 'https://example.org/teaching' }
  it('isAnyOf: one of the listed purposes', () => {
    const p = agreement({ constraint: [constraint('purpose', 'isAnyOf', [purposes, teaching])] })
    assert.equal(decide(p, { purpose: 'https://example.org/teaching' }), 'permit')
    assert.equal(decide(p, { purpose: 'https://example.org/marketing' }), 'deny')
  })
  it('isNoneOf: none of the listed purposes', () => {
    const p = agreement({ constraint: [constraint('purpose', 'isNoneOf', [purposes, teaching])] })
    assert.equal(decide(p, { purpose: 'https://example.org/marketing' }), 'permit')
    assert.equal(decide(p, { purpose: 'https://example.org/research' }), 'deny')
  })
  it('isAllOf: the values include every listed one', () => {
    const p = agreement({ constraint: [constraint('purpose', 'isAllOf', [purposes, teaching])] })
    assert.equal(
      decide(p, { purpose: ['https://example.org/teaching', 'https://example.org/research'] }),
      'permit',
    )
    assert.equal(decide(p, { purpose: ['https://example.org/teaching'] }), 'deny')
  })
  it('isPartOf and hasPart follow partOf memberships transitively', () => {
    const bw = { '@id': 'https://example.org/BW' }
    const world: WorldState = {
      spatial: 'https://example.org/Freiburg',
      memberships: {
        'https://example.org/Freiburg': ['https://example.org/Breisgau'],
        'https://example.org/Breisgau': ['https://example.org/BW'],
      },
    }
    assert.equal(decide(agreement({ constraint: [constraint('spatial', 'isPartOf', bw)] }), world), 'permit')
    assert.equal(
      decide(agreement({ constraint: [constraint('spatial', 'isPartOf', bw)] }), {
        spatial: 'https://example.org/Paris',
      }),
      'deny',
    )
    const p = agreement({
      constraint: [constraint('spatial', 'hasPart', { '@id': 'https://example.org/Freiburg' })],
    })
    assert.equal(decide(p, { ...world, spatial: 'https://example.org/BW' }), 'permit')
    assert.equal(decide(p, { ...world, spatial: 'https://example.org/Freiburg/Wiehre' }), 'deny')
  })
  it('isA uses the types the world gives', () => {
    const p = agreement({
      constraint: [constraint('industry', 'isA', { '@id': 'https://example.org/PublicSector' })],
    })
    const world = {
      values: { industry: 'https://example.org/cityHall' },
      types: { 'https://example.org/cityHall': ['https://example.org/PublicSector'] },
    }
    assert.equal(decide(p, world), 'permit')
    assert.equal(decide(p, { values: { industry: 'https://example.org/bank' } }), 'deny')
  })
})

describe('left operands with typed comparison', () => {
  it('dateTime against now', () => {
    const p = agreement({ constraint: [constraint('dateTime', 'lt', dt('2025-01-01T00:00:00Z'))] })
    assert.equal(decide(p, { now: new Date('2024-06-01T00:00:00Z') }), 'permit')
    assert.equal(decide(p, { now: new Date('2025-06-01T00:00:00Z') }), 'deny')
    assert.equal(decide(p, {}), 'deny', 'no time known: unsatisfied')
  })
  it('elapsedTime (seconds) against an xsd:duration', () => {
    const p = agreement({ constraint: [constraint('elapsedTime', 'lteq', dur('P30D'))] })
    assert.equal(decide(p, { elapsedTime: 29 * 86400 }), 'permit')
    assert.equal(decide(p, { elapsedTime: 31 * 86400 }), 'deny')
  })
  it('delayPeriod as a duration value', () => {
    const p = agreement({ constraint: [constraint('delayPeriod', 'gteq', dur('PT1H'))] })
    assert.equal(decide(p, { values: { delayPeriod: 'PT2H' } }), 'permit')
    assert.equal(decide(p, { values: { delayPeriod: 'PT30M' } }), 'deny')
  })
  it('payAmount in decimals with a unit', () => {
    const p = agreement({
      constraint: [
        constraint('payAmount', 'gteq', dec('10.50'), { unit: 'http://dbpedia.org/resource/Euro' }),
      ],
    })
    assert.equal(decide(p, { values: { payAmount: 10.5 } }), 'permit')
    assert.equal(decide(p, { values: { payAmount: 10.49 } }), 'deny')
  })
  it('percentage as a decimal', () => {
    const p = agreement({ constraint: [constraint('percentage', 'lteq', dec('12.5'))] })
    assert.equal(decide(p, { values: { percentage: 12.5 } }), 'permit')
    assert.equal(decide(p, { values: { percentage: 12.51 } }), 'deny')
  })
  it('version compares numerically', () => {
    const p = agreement({ constraint: [constraint('version', 'gteq', '1.9')] })
    assert.equal(decide(p, { values: { version: '1.10' } }), 'permit')
    assert.equal(decide(p, { values: { version: '1.2' } }), 'deny')
  })
  for (const left of [
    'purpose',
    'spatial',
    'recipient',
    'event',
    'industry',
    'language',
    'deliveryChannel',
    'systemDevice',
    'virtualLocation',
    'fileFormat',
  ]) {
    it(`${left} eq an IRI`, () => {
      const p = agreement({ constraint: [constraint(left, 'eq', { '@id': 'https://example.org/v' })] })
      assert.equal(decide(p, { values: { [left]: 'https://example.org/v' } }), 'permit')
      assert.equal(decide(p, { values: { [left]: 'https://example.org/w' } }), 'deny')
    })
  }
  it('recipient defaults to the requesting assignee', () => {
    const p = agreement({ constraint: [constraint('recipient', 'eq', { '@id': ALICE })] })
    assert.equal(decide(p, {}), 'permit')
  })
  it('a left operand of a profile, by IRI', () => {
    const p = agreement(
      {
        constraint: [
          constraint('https://allmende.example/profile#district', 'eq', {
            '@id': 'https://example.org/Mitte',
          }),
        ],
      },
      { profile: 'https://allmende.example/profile' },
    )
    assert.equal(
      decide(p, { values: { 'https://allmende.example/profile#district': 'https://example.org/Mitte' } }),
      'permit',
    )
    assert.equal(decide(p, {}), 'deny')
  })
  it('rightOperandReference is resolved from the state of the world', () => {
    const p = agreement({
      constraint: [
        { leftOperand: 'count', operator: 'lt', rightOperandReference: 'https://example.org/quota' },
      ],
    })
    assert.equal(decide(p, { count: 3, values: { 'https://example.org/quota': 5 } }), 'permit')
    assert.equal(decide(p, { count: 6, values: { 'https://example.org/quota': 5 } }), 'deny')
    assert.equal(decide(p, { count: 1 }), 'deny', 'reference unknown: unsatisfied')
  })
  it('request context values win over the world', () => {
    const p = agreement({
      constraint: [constraint('purpose', 'eq', { '@id': 'https://example.org/research' })],
    })
    assert.equal(
      decide(
        p,
        { purpose: 'https://example.org/ads' },
        { ...READ, context: { purpose: 'https://example.org/research' } },
      ),
      'permit',
    )
  })
})

describe('logical constraints', () => {
  const lt10 = constraint('count', 'lt', 10)
  const gt2 = constraint('count', 'gt', 2)
  const eq5 = constraint('count', 'eq', 5)
  it('and: all must hold', () => {
    const p = agreement({ constraint: [{ and: [lt10, gt2] }] })
    assert.equal(decide(p, { count: 5 }), 'permit')
    assert.equal(decide(p, { count: 1 }), 'deny')
  })
  it('or: one must hold', () => {
    const p = agreement({ constraint: [{ or: [eq5, constraint('count', 'eq', 7)] }] })
    assert.equal(decide(p, { count: 7 }), 'permit')
    assert.equal(decide(p, { count: 6 }), 'deny')
  })
  it('xone: exactly one must hold', () => {
    const p = agreement({ constraint: [{ xone: [lt10, gt2] }] })
    assert.equal(decide(p, { count: 1 }), 'permit')
    assert.equal(decide(p, { count: 5 }), 'deny')
  })
  it('andSequence: all must hold', () => {
    const p = agreement({ constraint: [{ andSequence: { '@list': [gt2, lt10] } }] })
    assert.equal(decide(p, { count: 5 }), 'permit')
    assert.equal(decide(p, { count: 11 }), 'deny')
  })
  it('nested: or of and', () => {
    const p = agreement({ constraint: [{ or: [{ and: [gt2, lt10] }, constraint('count', 'eq', 100)] }] })
    assert.equal(decide(p, { count: 100 }), 'permit')
    assert.equal(decide(p, { count: 5 }), 'permit')
    assert.equal(decide(p, { count: 50 }), 'deny')
  })
})

describe('refinements are evaluated against the request', () => {
  it('on an action: active but not permitting when unsatisfied', () => {
    const p = agreement({
      action: { 'rdf:value': { '@id': 'odrl:read' }, refinement: [constraint('resolution', 'lteq', 300)] },
    })
    const c = compilePolicy(p)
    assert.equal(c.evaluate({ ...READ, context: { resolution: 200 } }).decision, 'permit')
    const denied = c.evaluate({ ...READ, context: { resolution: 600 } })
    assert.equal(denied.decision, 'deny')
    assert.equal(denied.rules[0]?.active, true)
    assert.match(denied.rules[0]?.failed.join() ?? '', /resolution must be at most 300, but it is 600/)
    // a world value does not satisfy a refinement
    assert.equal(c.evaluate(READ, { values: { resolution: 200 } }).decision, 'deny')
  })
  it('on an asset collection and a party collection', () => {
    const p = agreement({
      target: {
        '@type': 'AssetCollection',
        uid: 'https://example.org/sensors',
        refinement: [constraint('fileFormat', 'eq', { '@id': 'https://example.org/csv' })],
      },
      assignee: {
        '@type': 'PartyCollection',
        uid: 'https://example.org/members',
        refinement: [constraint('industry', 'eq', { '@id': 'https://example.org/public' })],
      },
    })
    const world: WorldState = {
      memberships: { [DATA]: ['https://example.org/sensors'], [ALICE]: ['https://example.org/members'] },
    }
    const context = { fileFormat: 'https://example.org/csv', industry: 'https://example.org/public' }
    assert.equal(decide(p, world, { ...READ, context }), 'permit')
    assert.equal(
      decide(p, world, { ...READ, context: { ...context, industry: 'https://example.org/bank' } }),
      'deny',
    )
    assert.equal(
      decide(p, {}, { ...READ, context }),
      'not-applicable',
      'not a member: the rule does not cover alice',
    )
  })
})

describe('action hierarchy', () => {
  it('read is included in use; sell in transfer, not in use', () => {
    assert.equal(decide(agreement({})), 'permit')
    assert.equal(decide(agreement({}), {}, { ...READ, action: 'sell' }), 'not-applicable')
    assert.equal(decide(agreement({ action: 'transfer' }), {}, { ...READ, action: 'sell' }), 'permit')
    assert.equal(decide(agreement({ action: 'read' }), {}, { ...READ, action: 'use' }), 'not-applicable')
    assert.equal(decide(agreement({ action: 'play' }), {}, { ...READ, action: 'display' }), 'permit')
  })
})

describe('duties, obligations, remedies', () => {
  const duty = { uid: 'https://example.org/duty/pay', action: 'compensate' }
  it('duty as condition: violated blocks, fulfilled and not set do not (suite semantics)', () => {
    const p = agreement({ duty: [duty] })
    assert.equal(decide(p, { duties: { [duty.uid]: 'violated' } }), 'deny')
    assert.equal(decide(p, { duties: { [duty.uid]: 'fulfilled' } }), 'permit')
    assert.equal(decide(p, {}), 'permit')
  })
  it('strictDuties: an active duty must be fulfilled (Formal Semantics)', () => {
    const c = compilePolicy(agreement({ duty: [duty] }))
    assert.equal(c.evaluate(READ, {}, { strictDuties: true }).decision, 'deny')
    assert.equal(
      c.evaluate(READ, { duties: { [duty.uid]: 'fulfilled' } }, { strictDuties: true }).decision,
      'permit',
    )
  })
  it('an inactive duty (constraint unmet) does not block', () => {
    const p = agreement({ duty: [{ ...duty, constraint: [constraint('count', 'gt', 10)] }] })
    assert.equal(decide(p, { count: 1, duties: { [duty.uid]: 'violated' } }), 'permit')
    assert.equal(decide(p, { count: 11, duties: { [duty.uid]: 'violated' } }), 'deny')
  })
  it('obligation with consequence: consequences due when violated', () => {
    const p = agreement(
      {},
      {
        obligation: [
          {
            uid: 'https://example.org/ob/delete',
            action: 'delete',
            assignee: ALICE,
            target: DATA,
            consequence: [{ uid: 'https://example.org/ob/fine', action: 'compensate' }],
          },
        ],
      },
    )
    const c = compilePolicy(p)
    const r = c.evaluate(READ, { duties: { 'https://example.org/ob/delete': 'violated' } })
    assert.equal(r.decision, 'permit')
    assert.equal(r.obligations[0]?.state, 'violated')
    assert.equal(r.obligations[0]?.consequencesDue, true)
    assert.equal(r.obligations[0]?.duty.consequences[0]?.id, 'https://example.org/ob/fine')
    assert.equal(c.evaluate(READ, {}).obligations[0]?.consequencesDue, false)
  })
  it('prohibition with remedy', () => {
    const p = agreement(
      {},
      {
        prohibition: [
          {
            uid: 'https://example.org/pro',
            target: DATA,
            assignee: ALICE,
            action: 'distribute',
            remedy: [{ uid: 'https://example.org/rem', action: 'delete' }],
          },
        ],
      },
    )
    const r = compilePolicy(p).evaluate(
      { ...READ, action: 'distribute' },
      { duties: { 'https://example.org/rem': 'notSet' } },
    )
    assert.equal(r.decision, 'deny')
    const pro = r.rules.find((o) => o.kind === 'prohibition')
    assert.equal(pro?.remedies[0]?.duty.id, 'https://example.org/rem')
  })
})

describe('conflict strategies', () => {
  const both = (conflict?: string) =>
    agreement(
      {},
      { prohibition: [{ target: DATA, assignee: ALICE, action: 'read' }], ...(conflict ? { conflict } : {}) },
    )
  it('perm: the permission wins', () => assert.equal(decide(both('perm')), 'permit'))
  it('prohibit: the prohibition wins', () => assert.equal(decide(both('prohibit')), 'deny'))
  it('invalid (default): the policy is void', () => {
    const r = compilePolicy(both()).evaluate(READ, {})
    assert.equal(r.decision, 'deny')
    assert.equal(r.conflict, 'invalid')
    assert.match(r.reasons[0] ?? '', /void/)
  })
  it('no conflict when the prohibition does not apply', () => {
    assert.equal(decide(both(), {}, { ...READ, action: 'modify' }), 'permit')
  })
})

describe('offers are proposals', () => {
  it('decision not-applicable, proposal says what it would do', () => {
    const p = { ...agreement({}), '@type': 'Offer' }
    const r = compilePolicy(p).evaluate(READ, {})
    assert.equal(r.decision, 'not-applicable')
    assert.equal(r.proposal, 'permit')
    assert.equal(compilePolicy(p).decide(READ, {}), 'not-applicable')
  })
  it('asAgreed evaluates an offer as if agreed (catalog filtering)', () => {
    const c = compilePolicy({ ...agreement({}), '@type': 'Offer' })
    assert.equal(c.decide(READ, {}, { asAgreed: true }), 'permit')
    assert.equal(c.evaluate(READ, {}, { asAgreed: true }).decision, 'permit')
    assert.equal(c.decide({ ...READ, action: 'sell' }, {}, { asAgreed: true }), 'not-applicable')
  })
})

describe('parties and targets', () => {
  it('another party or asset is not covered', () => {
    assert.equal(
      decide(agreement({}), {}, { ...READ, assignee: 'https://example.org/bob' }),
      'not-applicable',
    )
    assert.equal(
      decide(agreement({}), {}, { ...READ, target: 'https://example.org/other' }),
      'not-applicable',
    )
  })
  it('failing premises are named', () => {
    const r = compilePolicy(agreement({ constraint: [constraint('count', 'lt', 3)] })).evaluate(READ, {
      count: 9,
    })
    assert.equal(r.decision, 'deny')
    assert.deepEqual(r.rules[0]?.failed, ['count must be less than 3, but it is 9'])
  })
})

describe('evaluatePolicy (one call, text or parsed inputs)', () => {
  it('runs the example of the package documentation', async () => {
    const policy = {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Agreement',
      uid: 'https://stadt.example/policy/1',
      assigner: 'did:key:z6MkProvider',
      permission: [
        {
          target: 'https://stadt.example/data/parking',
          assignee: 'did:key:z6MkConsumer',
          action: 'use',
          constraint: [
            {
              leftOperand: 'dateTime',
              operator: 'lt',
              rightOperand: { '@value': '2027-01-01T00:00:00Z', '@type': 'xsd:dateTime' },
            },
          ],
        },
      ],
    }
    const request = {
      assignee: 'did:key:z6MkConsumer',
      action: 'read',
      target: 'https://stadt.example/data/parking',
    }
    const { decision, reportTurtle } = await evaluatePolicy({
      policy,
      request,
      state: { now: new Date('2026-11-22T12:00:00Z') },
    })
    assert.equal(decision, 'permit')
    assert.match(reportTurtle, /report:activationState report:Active/)
    assert.match(reportTurtle, /"2026-11-22T12:00:00.000Z"\^\^xsd:dateTime/)
    assert.equal(
      compilePolicy(policy).evaluate(request, { now: new Date('2027-06-01T00:00:00Z') }).decision,
      'deny',
    )
  })
  it('takes request values from sotw:context constraints of a Turtle request', async () => {
    const policy = `@prefix odrl: <http://www.w3.org/ns/odrl/2/> . @prefix ex: <http://example.org/> .
      ex:p a odrl:Set ; odrl:uid ex:p ; odrl:permission ex:perm .
      ex:perm odrl:assignee ex:alice ; odrl:action odrl:read ; odrl:target ex:x ;
        odrl:constraint [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand ex:research ] .`
    const request = (
      purpose: string,
    ) => `@prefix odrl: <http://www.w3.org/ns/odrl/2/> . @prefix ex: <http://example.org/> .
      @prefix sotw: <https://w3id.org/force/sotw#> .
      ex:r a odrl:Request ; odrl:uid ex:r ; odrl:permission ex:rp .
      ex:rp odrl:assignee ex:alice ; odrl:action odrl:read ; odrl:target ex:x ;
        sotw:context [ odrl:leftOperand odrl:purpose ; odrl:operator odrl:eq ; odrl:rightOperand ex:${purpose} ] .`
    const state = `@prefix sotw: <https://w3id.org/force/sotw#> . @prefix dct: <http://purl.org/dc/terms/> .
      @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
      sotw:currentTime dct:issued "2024-02-12T11:20:10.999Z"^^xsd:dateTime .`
    assert.equal((await evaluatePolicy({ policy, request: request('research'), state })).decision, 'permit')
    const denied = await evaluatePolicy({ policy, request: request('ads'), state })
    assert.equal(denied.decision, 'deny')
    assert.deepEqual(denied.summary.rules[0]?.failed, [
      'purpose must be equal to http://example.org/research, but it is http://example.org/ads',
    ])
    assert.match(denied.reportTurtle, /report:constraintLeftOperand <http:\/\/example.org\/ads>/)
  })
})

describe('undecidable prohibitions deny (house rule)', () => {
  const policy = agreement(
    {},
    {
      conflict: 'prohibit',
      prohibition: [
        {
          target: DATA,
          assignee: ALICE,
          action: 'read',
          constraint: [
            { leftOperand: 'spatial', operator: 'eq', rightOperand: { '@id': 'https://example.org/abroad' } },
          ],
        },
      ],
    },
  )
  it('a prohibition whose value is unknown applies', () => {
    assert.equal(decide(policy, {}), 'deny')
    const r = compilePolicy(policy).evaluate(READ, {})
    assert.equal(r.rules.find((o) => o.kind === 'prohibition')?.undecided, true)
    assert.match(r.reasons.join(), /undecidable prohibition denies/)
  })
  it('a decided prohibition does not apply when false', () => {
    assert.equal(decide(policy, { spatial: 'https://example.org/home' }), 'permit')
    assert.equal(decide(policy, { spatial: 'https://example.org/abroad' }), 'deny')
  })
  it('an undecidable permission does not permit', () => {
    assert.equal(
      decide(
        agreement({ constraint: [constraint('purpose', 'eq', { '@id': 'https://example.org/r' })] }),
        {},
      ),
      'deny',
    )
  })
  it('or with one true member is decided even if another is unknown', () => {
    const p = agreement(
      {},
      {
        conflict: 'prohibit',
        prohibition: [
          {
            target: DATA,
            assignee: ALICE,
            action: 'read',
            constraint: [
              {
                and: [
                  constraint('count', 'gt', 100),
                  constraint('spatial', 'eq', { '@id': 'https://example.org/abroad' }),
                ],
              },
            ],
          },
        ],
      },
    )
    assert.equal(decide(p, { count: 5 }), 'permit', 'false and unknown is false')
    assert.equal(decide(p, { count: 500 }), 'deny', 'true and unknown is unknown: denies')
  })
})
