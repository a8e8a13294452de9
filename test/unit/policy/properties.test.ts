import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { compilePolicy } from '../../../src/policy/index.js'

const CTX = 'http://www.w3.org/ns/odrl.jsonld'
const OPS = [
  'eq',
  'neq',
  'lt',
  'lteq',
  'gt',
  'gteq',
  'isAnyOf',
  'isNoneOf',
  'isAllOf',
  'isPartOf',
  'hasPart',
  'isA',
]
const atom = fc.record({
  leftOperand: fc.constant('count'),
  operator: fc.constantFrom(...OPS),
  rightOperand: fc.integer({ min: 0, max: 20 }),
})
const policy = (constraint: unknown[]) => ({
  '@context': CTX,
  '@type': 'Set',
  uid: 'https://example.org/p',
  permission: [{ target: 'https://example.org/d', action: 'use', constraint }],
})
const req = { action: 'read', target: 'https://example.org/d' }
const permits = (constraint: unknown[], count: number) =>
  compilePolicy(policy(constraint)).decide(req, { count }) === 'permit'

describe('properties', () => {
  it('and of constraints equals all of them', () => {
    fc.assert(
      fc.property(
        fc.array(atom, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 20 }),
        (atoms, count) => {
          assert.equal(
            permits([{ and: atoms }], count),
            atoms.every((a) => permits([a], count)),
          )
        },
      ),
    )
  })
  it('xone of one equals the one', () => {
    fc.assert(
      fc.property(atom, fc.integer({ min: 0, max: 20 }), (a, count) => {
        assert.equal(permits([{ xone: [a] }], count), permits([a], count))
      }),
    )
  })
  const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      atom,
      fc.record({
        [fc.sample(fc.constantFrom('and'), 1)[0] as string]: fc.array(tie('node'), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
      fc.record({ or: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
      fc.record({ xone: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    ),
  })).node
  it('evaluation never throws on a valid policy', () => {
    fc.assert(
      fc.property(
        fc.array(tree, { minLength: 0, maxLength: 3 }),
        fc.option(fc.integer()),
        fc.option(fc.date({ noInvalidDate: true })),
        fc.constantFrom('read', 'use', 'sell', 'print'),
        (constraints, count, now, action) => {
          const r = compilePolicy(policy(constraints)).evaluate(
            { action, target: 'https://example.org/d' },
            { count: count ?? undefined, now: now ?? undefined },
          )
          assert.ok(['permit', 'deny', 'not-applicable'].includes(r.decision))
          // the fast path (decide) and the reporting path (evaluate) agree
          assert.equal(
            compilePolicy(policy(constraints)).decide(
              { action, target: 'https://example.org/d' },
              { count: count ?? undefined, now: now ?? undefined },
            ),
            r.decision,
          )
        },
      ),
    )
  })
})
