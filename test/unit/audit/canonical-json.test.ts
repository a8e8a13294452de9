import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canonicalJson, NotJsonError } from '../../../src/audit/index.js'

describe('canonicalJson', () => {
  it('sorts members by UTF-16 code units at every depth and drops whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: null, y: true }], c: 'x' } }),
      '{"a":{"c":"x","d":[3,{"y":true,"z":null}]},"b":1}',
    )
    // RFC 8785 §3.2.3: sorting by UTF-16 code units puts U+20AC (€) after U+00E9 (é) and the astral
    // U+1F600 (surrogate D83D) before U+FB33.
    assert.equal(
      canonicalJson({ '\u20AC': 1, '\u00E9': 2, '\u{1F600}': 3, '\uFB33': 4, '1': 5 }),
      '{"1":5,"\u00E9":2,"\u20AC":1,"\u{1F600}":3,"\uFB33":4}',
    )
  })

  it('writes numbers as ECMAScript does (RFC 8785 §3.2.2.3)', () => {
    assert.equal(
      canonicalJson([1e21, 1e-7, 0.1 + 0.2, -0, 100, 1.5e300]),
      '[1e+21,1e-7,0.30000000000000004,0,100,1.5e+300]',
    )
  })

  it('escapes strings as JSON.stringify does', () => {
    assert.equal(canonicalJson('a"b\\\n\u0001€'), '"a\\"b\\\\\\n\\u0001€"')
  })

  it('gives the same text whatever order keys were inserted in', () => {
    assert.equal(canonicalJson({ x: 1, y: { q: 2, p: 3 } }), canonicalJson({ y: { p: 3, q: 2 }, x: 1 }))
  })

  it('leaves out undefined members, as JSON.stringify does', () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}')
  })

  it('refuses values that are not JSON, naming where they are', () => {
    assert.throws(
      () => canonicalJson({ a: [1, Number.NaN] }),
      (e: unknown) => e instanceof NotJsonError && /\$\.a\[1\]/.test(e.message),
    )
    assert.throws(() => canonicalJson({ when: new Date(0) }), /\$\.when is a Date/)
    assert.throws(() => canonicalJson([undefined]), NotJsonError)
    assert.throws(() => canonicalJson(10n), NotJsonError)
    assert.throws(() => canonicalJson({ s: '\uD800' }), /lone surrogate/)
    const loop: Record<string, unknown> = {}
    loop.self = loop
    assert.throws(() => canonicalJson(loop), /refers back to itself/)
  })

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { k: 1 }
    assert.equal(canonicalJson([shared, shared]), '[{"k":1},{"k":1}]')
  })
})
