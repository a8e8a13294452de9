import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { literal } from '../../../src/policy/graph.js'
import {
  compareValues,
  durationSeconds,
  equalValues,
  instantOf,
  valueOfTerm,
  valueOfWorld,
} from '../../../src/policy/values.js'

const XSD = 'http://www.w3.org/2001/XMLSchema#'

describe('durationSeconds', () => {
  it('reads xsd:duration', () => {
    assert.equal(durationSeconds('PT1H30M'), 5400)
    assert.equal(durationSeconds('P1D'), 86400)
    assert.equal(durationSeconds('P2W'), 14 * 86400)
    assert.equal(durationSeconds('P1Y'), 365 * 86400)
    assert.equal(durationSeconds('P1M'), 30 * 86400)
    assert.equal(durationSeconds('PT0.5S'), 0.5)
    assert.equal(durationSeconds('-PT10S'), -10)
  })
  it('rejects what is not a duration', () => {
    assert.ok(Number.isNaN(durationSeconds('P')))
    assert.ok(Number.isNaN(durationSeconds('PT')))
    assert.ok(Number.isNaN(durationSeconds('10 days')))
  })
})

describe('instantOf', () => {
  it('reads a dateTime without zone as UTC, independent of the process time zone', () => {
    assert.equal(instantOf('2024-01-01T00:00:00'), Date.UTC(2024, 0, 1))
    assert.equal(instantOf('2024-01-01T01:00:00+01:00'), Date.UTC(2024, 0, 1))
    assert.equal(instantOf('2024-01-01'), Date.UTC(2024, 0, 1))
  })
})

describe('compareValues', () => {
  it('orders decimals, instants and durations by value, not by text', () => {
    const d = (v: string, t: string) => valueOfTerm(literal(v, XSD + t))
    assert.ok(compareValues(d('10.50', 'decimal'), d('9.9', 'decimal')) > 0)
    assert.equal(compareValues(d('10.50', 'decimal'), d('10.5', 'double')), 0)
    assert.ok(
      compareValues(d('2024-01-01T00:00:00Z', 'dateTime'), d('2023-12-31T23:00:00-02:00', 'dateTime')) < 0,
    )
    assert.ok(compareValues(d('PT2H', 'duration'), d('PT90M', 'duration')) > 0)
  })
  it('compares a number of seconds with a duration', () => {
    assert.equal(
      compareValues(valueOfWorld(3600, 'duration'), valueOfTerm(literal('PT1H', `${XSD}duration`))),
      0,
    )
  })
  it('does not order different kinds', () => {
    assert.ok(
      Number.isNaN(
        compareValues(valueOfWorld(5, 'number'), valueOfWorld('https://example.org/x', undefined)),
      ),
    )
    assert.equal(equalValues(valueOfWorld(5, 'number'), valueOfWorld('5', undefined)), false)
  })
  it('reports terms for world values lazily and correctly', () => {
    assert.deepEqual(
      valueOfWorld(new Date(Date.UTC(2024, 1, 12)), 'dateTime').term,
      literal('2024-02-12T00:00:00.000Z', `${XSD}dateTime`),
    )
    assert.deepEqual(valueOfWorld(2.5, 'number').term, literal('2.5', `${XSD}decimal`))
    assert.deepEqual(valueOfWorld(60, 'duration').term, literal('PT60S', `${XSD}duration`))
  })
})
