// Decisions per second of the ODRL engine, and parse+compile time of a policy; yardstick in the
// same run: JSON.parse of the same policy text. Goals: (a) >= 200,000/s, (b) >= 50,000/s, compile < 1 ms.
import { compilePolicy, type PolicyRequest, type WorldState } from '../src/policy/index.js'

const CTX = 'http://www.w3.org/ns/odrl.jsonld'
const DATA = 'https://stadt.example/data/parking'
const CONSUMER = 'did:key:z6MkConsumer'
const dt = (v: string) => ({ '@value': v, '@type': 'xsd:dateTime' })

function onePolicy(uid: string, target = DATA): Record<string, unknown> {
  return {
    '@context': CTX,
    '@type': 'Agreement',
    uid,
    assigner: 'did:key:z6MkProvider',
    permission: [
      {
        target,
        assignee: CONSUMER,
        action: 'use',
        constraint: [{ leftOperand: 'dateTime', operator: 'lt', rightOperand: dt('2030-01-01T00:00:00Z') }],
      },
    ],
  }
}

const tenConstraints = {
  '@context': CTX,
  '@type': 'Agreement',
  uid: 'https://stadt.example/policy/ten',
  assigner: 'did:key:z6MkProvider',
  permission: [
    {
      target: DATA,
      assignee: CONSUMER,
      action: 'use',
      constraint: [
        {
          and: [
            { leftOperand: 'dateTime', operator: 'gt', rightOperand: dt('2024-01-01T00:00:00Z') },
            { leftOperand: 'dateTime', operator: 'lt', rightOperand: dt('2030-01-01T00:00:00Z') },
          ],
        },
        {
          or: [
            {
              leftOperand: 'purpose',
              operator: 'eq',
              rightOperand: { '@id': 'https://stadt.example/purpose/research' },
            },
            {
              leftOperand: 'purpose',
              operator: 'isAnyOf',
              rightOperand: [
                { '@id': 'https://stadt.example/purpose/planning' },
                { '@id': 'https://stadt.example/purpose/mobility' },
              ],
            },
          ],
        },
        {
          xone: [
            { leftOperand: 'count', operator: 'lt', rightOperand: 1000 },
            { leftOperand: 'count', operator: 'gt', rightOperand: 5000 },
          ],
        },
        {
          and: [
            {
              leftOperand: 'elapsedTime',
              operator: 'lteq',
              rightOperand: { '@value': 'P30D', '@type': 'xsd:duration' },
            },
            {
              or: [
                {
                  leftOperand: 'spatial',
                  operator: 'eq',
                  rightOperand: { '@id': 'https://stadt.example/de' },
                },
                { leftOperand: 'recipient', operator: 'eq', rightOperand: { '@id': CONSUMER } },
              ],
            },
          ],
        },
        {
          leftOperand: 'payAmount',
          operator: 'lteq',
          rightOperand: { '@value': '100.00', '@type': 'xsd:decimal' },
          unit: 'http://dbpedia.org/resource/Euro',
        },
        { leftOperand: 'percentage', operator: 'lt', rightOperand: 50 },
      ],
    },
  ],
}

const request: PolicyRequest = { assignee: CONSUMER, action: 'read', target: DATA }
const world: WorldState = {
  now: new Date('2026-11-22T12:00:00Z'),
  count: 12,
  purpose: 'https://stadt.example/purpose/mobility',
  elapsedTime: 3600,
  spatial: 'https://stadt.example/de',
  values: { payAmount: 20, percentage: 10 },
}

function rate(label: string, fn: () => void, minMs = 1000): number {
  for (let i = 0; i < 2000; i++) fn()
  let n = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < 1000; i++) fn()
    n += 1000
    elapsed = Number(process.hrtime.bigint() - start) / 1e6
  }
  const perSecond = (n / elapsed) * 1000
  console.log(`${label}: ${Math.round(perSecond).toLocaleString('en')} /s`)
  return perSecond
}

const a = compilePolicy(onePolicy('https://stadt.example/policy/one'))
if (a.decide(request, world) !== 'permit') throw new Error('bench policy (a) does not permit')
const b = compilePolicy(tenConstraints)
if (b.decide(request, world) !== 'permit') throw new Error('bench policy (b) does not permit')
const catalog = Array.from({ length: 1000 }, (_, i) =>
  compilePolicy(onePolicy(`https://stadt.example/policy/${i}`, i % 10 === 0 ? DATA : `${DATA}/${i}`)),
)

const ra = rate('(a) 1-rule policy, decisions', () => a.decide(request, world))
const rb = rate('(b) 10 constraints, nested logical, decisions', () => b.decide(request, world))
const raFull = rate('(a) with evaluate() (outcomes, reasons; what a report is built from)', () =>
  a.evaluate(request, world),
)
const rbFull = rate('(b) with evaluate()', () => b.evaluate(request, world))
const rc = rate(
  '(c) one request against 1,000 policies, catalog filterings',
  () => {
    let permitted = 0
    for (const p of catalog) if (p.decide(request, world) === 'permit') permitted++
    if (permitted !== 100) throw new Error('catalog filter is wrong')
  },
  2000,
)

const text = JSON.stringify(tenConstraints)
const compileRate = rate('parse+compile of policy (b) from JSON text', () => compilePolicy(JSON.parse(text)))
const parseRate = rate('yardstick: JSON.parse of the same text', () => JSON.parse(text))
const ttl = `@prefix odrl: <http://www.w3.org/ns/odrl/2/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://stadt.example/policy/t> a odrl:Agreement ; odrl:uid <https://stadt.example/policy/t> ;
  odrl:permission [ odrl:target <${DATA}> ; odrl:assignee <${CONSUMER}> ; odrl:action odrl:use ;
    odrl:constraint [ odrl:leftOperand odrl:dateTime ; odrl:operator odrl:lt ; odrl:rightOperand "2030-01-01T00:00:00Z"^^xsd:dateTime ] ] .`
const ttlRate = rate('parse+compile of a 1-rule Turtle policy', () => compilePolicy(ttl))

console.log(
  `compile time (b): ${(1000 / compileRate).toFixed(3)} ms (goal < 1 ms); Turtle 1-rule: ${(1000 / ttlRate).toFixed(3)} ms`,
)
console.log(`ratio parse+compile / JSON.parse: ${(parseRate / compileRate).toFixed(1)}x slower`)
console.log(`ratio (a) decision / JSON.parse of policy (b) text: ${(ra / parseRate).toFixed(2)}x`)
console.log(
  `time of evaluate() / time of decide(): (a) ${(ra / raFull).toFixed(1)}x, (b) ${(rb / rbFull).toFixed(1)}x`,
)
console.log(
  `goals: (a) ${ra >= 200_000 ? 'met' : 'MISSED'}, (b) ${rb >= 50_000 ? 'met' : 'MISSED'}, compile ${1000 / compileRate < 1 ? 'met' : 'MISSED'}; (c) ${Math.round(rc * 1000).toLocaleString('en')} policy decisions/s`,
)
