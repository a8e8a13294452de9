import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  compilePolicy,
  Graph,
  PolicyInheritanceError,
  PolicyNeedsAsyncParseError,
  PolicyParseError,
  parseJsonLd,
  parseJsonLdFast,
  parsePolicy,
  parsePolicySync,
} from '../../../src/policy/index.js'

const CTX = 'http://www.w3.org/ns/odrl.jsonld'
const O = 'http://www.w3.org/ns/odrl/2/'

const compact = {
  '@context': CTX,
  '@type': 'Set',
  uid: 'https://example.org/p1',
  profile: 'https://example.org/profile',
  assigner: 'https://example.org/city',
  target: ['https://example.org/a', 'https://example.org/b'],
  permission: [
    {
      assignee: ['https://example.org/alice', 'https://example.org/bob'],
      action: ['read', 'print'],
      constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 10 }],
      duty: [
        {
          action: 'compensate',
          constraint: [
            {
              leftOperand: 'payAmount',
              operator: 'eq',
              rightOperand: { '@value': '5.00', '@type': 'xsd:decimal' },
              unit: 'http://dbpedia.org/resource/Euro',
            },
          ],
        },
      ],
    },
  ],
  prohibition: [{ action: 'distribute', remedy: [{ action: 'delete' }] }],
  obligation: [
    { action: 'delete', assignee: 'https://example.org/alice', consequence: [{ action: 'compensate' }] },
  ],
}

function canonicalTriples(g: Graph): string[] {
  const name = (v: string) => (v.startsWith('_:') ? '_' : v)
  return [...g.triples()]
    .map(
      ([s, p, o]) =>
        `${name(s)} ${p} ${o.termType === 'Literal' ? `"${o.value}"^^${o.datatype}` : name(o.value)}`,
    )
    .sort()
}

describe('JSON-LD fast path', () => {
  it('gives the same triples as jsonld.js (blank nodes aside)', async () => {
    const fast = parseJsonLdFast(compact)
    assert.ok(fast)
    const { default: jsonld } = await import('jsonld')
    const { offlineDocumentLoader } = await import('../../../src/policy/graph.js')
    const full = new Graph()
    const quads = (await jsonld.toRDF(compact as never, {
      documentLoader: offlineDocumentLoader as never,
    })) as unknown as Array<{
      subject: { value: string }
      predicate: { value: string }
      object: { termType: string; value: string; datatype?: { value: string } }
    }>
    const b = (t: { termType?: string; value: string }) =>
      t.termType === 'BlankNode' ? `_:${t.value}` : t.value
    for (const q of quads)
      full.add(
        b(q.subject as never),
        q.predicate.value,
        q.object.termType === 'Literal'
          ? { termType: 'Literal', value: q.object.value, datatype: q.object.datatype?.value }
          : { termType: q.object.termType as 'NamedNode', value: b(q.object) },
      )
    assert.deepEqual(canonicalTriples(fast), canonicalTriples(full))
  })
  it('declines documents it cannot read exactly', () => {
    assert.equal(parseJsonLdFast({ '@context': CTX, '@graph': [] }), undefined)
    assert.equal(parseJsonLdFast({ '@context': 'https://example.org/other' }), undefined)
  })
  it('full JSON-LD goes through jsonld.js offline; remote contexts are refused', async () => {
    const g = await parseJsonLd({
      '@context': { odrl: O },
      '@id': 'https://example.org/p',
      '@type': 'odrl:Set',
    })
    assert.equal(g.tripleCount, 1)
    await assert.rejects(
      parseJsonLd({ '@context': 'https://example.org/ctx.jsonld', '@id': 'x:y' }),
      PolicyParseError,
    )
  })
})

describe('parsePolicy', () => {
  it('expands compact rules into atomic ones and propagates policy-level properties', () => {
    const p = parsePolicySync(compact)
    assert.equal(p.type, 'Set')
    assert.deepEqual(p.profiles, ['https://example.org/profile'])
    assert.equal(p.permissions.length, 8) // 2 actions x 2 targets x 2 assignees
    for (const r of p.permissions) {
      assert.equal(r.parties.find((x) => x.function === 'assigner')?.id, 'https://example.org/city')
      assert.equal(r.constraints.length, 1)
      assert.equal(r.duties[0]?.action?.id, `${O}compensate`)
    }
    assert.equal(
      new Set(
        p.permissions.map(
          (r) => `${r.action?.id} ${r.target?.id} ${r.parties.find((x) => x.function === 'assignee')?.id}`,
        ),
      ).size,
      8,
    )
    assert.equal(p.prohibitions.length, 2)
    assert.equal(p.prohibitions[0]?.remedies[0]?.role, 'remedy')
    assert.equal(p.obligations[0]?.consequences[0]?.role, 'consequence')
  })
  it('reads Turtle into the same model', async () => {
    const ttl = `@prefix odrl: <${O}> . @prefix ex: <https://example.org/> .
      ex:p a odrl:Offer ; odrl:uid ex:p ; odrl:conflict odrl:perm ; odrl:assigner ex:city ;
        odrl:permission [ odrl:target ex:a ; odrl:action [ <http://www.w3.org/1999/02/22-rdf-syntax-ns#value> odrl:print ;
          odrl:refinement [ odrl:leftOperand odrl:resolution ; odrl:operator odrl:lteq ; odrl:rightOperand 300 ] ] ] .`
    const p = await parsePolicy(ttl)
    assert.equal(p.type, 'Offer')
    assert.equal(p.conflict, 'perm')
    assert.equal(p.permissions[0]?.action?.id, `${O}print`)
    assert.equal(p.permissions[0]?.action?.refinement.length, 1)
  })
  it('rejects bad input with a typed error', () => {
    assert.throws(() => parsePolicySync('this is not turtle'), PolicyParseError)
    assert.throws(
      () => parsePolicySync({ '@context': CTX, '@type': 'Set', '@graph': [] }),
      PolicyNeedsAsyncParseError,
    )
    assert.throws(
      () =>
        parsePolicySync({
          '@context': CTX,
          '@type': 'Set',
          uid: 'x:p',
          permission: [
            {
              action: 'read',
              constraint: [{ leftOperand: 'count', operator: 'https://example.org/bigger', rightOperand: 1 }],
            },
          ],
        }),
      PolicyParseError,
    )
  })
})

describe('inheritFrom', () => {
  const parent = {
    '@context': CTX,
    '@type': 'Set',
    uid: 'https://example.org/parent',
    assigner: 'https://example.org/city',
    conflict: 'prohibit',
    prohibition: [{ target: 'https://example.org/a', action: 'distribute' }],
  }
  const grand = {
    '@context': CTX,
    '@type': 'Set',
    uid: 'https://example.org/grand',
    permission: [{ target: 'https://example.org/b', action: 'read' }],
  }
  const child = {
    '@context': CTX,
    '@type': 'Set',
    uid: 'https://example.org/child',
    inheritFrom: 'https://example.org/parent',
    permission: [{ target: 'https://example.org/a', action: 'use' }],
  }
  it('merges parents at any depth', () => {
    const parents = new Map<string, object>([
      ['https://example.org/parent', { ...parent, inheritFrom: 'https://example.org/grand' }],
      ['https://example.org/grand', grand],
    ])
    const p = parsePolicySync(child, { parents })
    assert.equal(p.conflict, 'prohibit')
    assert.equal(p.prohibitions.length, 1)
    assert.equal(p.permissions.length, 2)
    assert.equal(p.permissions[0]?.parties[0]?.id, 'https://example.org/city', 'parent assigner propagated')
    const c = compilePolicy(p)
    assert.equal(c.evaluate({ action: 'read', target: 'https://example.org/b' }).decision, 'permit')
    assert.equal(c.evaluate({ action: 'distribute', target: 'https://example.org/a' }).decision, 'deny')
  })
  it('rejects cycles and missing parents', () => {
    const parents = new Map<string, object>([
      ['https://example.org/parent', { ...parent, inheritFrom: 'https://example.org/child' }],
      ['https://example.org/child', child],
    ])
    assert.throws(() => parsePolicySync(child, { parents }), PolicyInheritanceError)
    assert.throws(() => parsePolicySync(child), PolicyInheritanceError)
  })
})
