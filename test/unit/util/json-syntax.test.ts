import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { findJsonSyntaxProblem, parseJsonWithPosition } from '../../../src/util/json-syntax.js'

describe('findJsonSyntaxProblem', () => {
  it('names line and column of the first error', () => {
    assert.deepEqual(findJsonSyntaxProblem('{\n  "a": 1,\n  "b": }\n'), {
      line: 3,
      column: 8,
      reason: 'unexpected "}"',
    })
    assert.deepEqual(findJsonSyntaxProblem('{"a": 1,}'), {
      line: 1,
      column: 9,
      reason: 'comma before } (remove it)',
    })
    assert.equal(findJsonSyntaxProblem("{'a': 1}")?.reason, 'expected a property name in double quotes')
    assert.equal(findJsonSyntaxProblem('[1, 2')?.reason, 'array not closed (missing ])')
    assert.equal(findJsonSyntaxProblem('"line\nbreak"')?.line, 1)
    assert.equal(findJsonSyntaxProblem('{} x')?.reason, 'unexpected text after the end of the JSON value')
    assert.equal(findJsonSyntaxProblem('')?.reason, 'unexpected end of the text: a value is missing')
  })

  it('agrees with JSON.parse on what is well-formed (generated values and mutilated texts)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 2 }), (value, cut, insert) => {
        const text = JSON.stringify(value, null, 2)
        assert.equal(findJsonSyntaxProblem(text), undefined)
        const at = cut % (text.length + 1)
        const mutilated = text.slice(0, at) + insert + text.slice(at + 1)
        let parses = true
        try {
          JSON.parse(mutilated)
        } catch {
          parses = false
        }
        assert.equal(findJsonSyntaxProblem(mutilated) === undefined, parses, mutilated)
      }),
      { numRuns: 500 },
    )
  })

  it('parseJsonWithPosition hands the sentence to the caller’s error class', () => {
    assert.throws(
      () => parseJsonWithPosition('{\n"a" 1}', (s) => new RangeError(`config.json is ${s}`)),
      (e: unknown) =>
        e instanceof RangeError &&
        e.message === 'config.json is not valid JSON at line 2, column 5: expected : after the property name',
    )
    assert.deepEqual(
      parseJsonWithPosition('{"a":[1]}', (s) => new Error(s)),
      { a: [1] },
    )
  })
})
