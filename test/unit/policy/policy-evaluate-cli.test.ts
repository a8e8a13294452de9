import assert from 'node:assert/strict'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { policyEvaluateCommand } from '../../../src/cli/commands/policy-evaluate.js'
import { AllmendeError } from '../../../src/protocol/errors.js'
import { repoRoot } from '../../support/repo.js'

const SUITE = join(repoRoot(), 'test', 'conformance', 'odrl-test-suite')

function capture(stdin = ''): CliIo & { out: string[] } {
  const out: string[] = []
  return { out, stdout: (t) => out.push(t), stderr: () => {}, readStdin: async () => stdin }
}

describe('allmende policy evaluate', () => {
  const policy = join(SUITE, 'policies', 'policy-7.ttl')
  const request = join(SUITE, 'requests', 'request-1.ttl')
  const state = join(SUITE, 'sotw', 'all-2024.ttl')
  it('prints the compliance report in Turtle and exits 0', async () => {
    const io = capture()
    assert.equal(
      await policyEvaluateCommand.run(['--policy', policy, '--request', request, '--state', state], io),
      0,
    )
    assert.match(io.out.join(''), /report:PolicyReport/)
  })
  it('--format json prints the decision summary', async () => {
    const io = capture()
    assert.equal(
      await policyEvaluateCommand.run(
        ['--policy', policy, '--request', request, '--state', state, '--format', 'json'],
        io,
      ),
      0,
    )
    const summary = JSON.parse(io.out.join(''))
    assert.ok(['permit', 'deny', 'not-applicable'].includes(summary.decision))
    assert.equal(summary.rules.length, 1)
    assert.deepEqual(Object.keys(summary.rules[0]).sort(), ['active', 'failed', 'kind', 'rule'])
  })
  it('reads the policy from stdin and prints JSON-LD', async () => {
    const { readFile } = await import('node:fs/promises')
    const io = capture(await readFile(policy, 'utf8'))
    assert.equal(
      await policyEvaluateCommand.run(['--policy', '-', '--request', request, '--format', 'jsonld'], io),
      0,
    )
    assert.ok(JSON.parse(io.out.join(''))['@graph'].length > 0)
  })
  it('bad input is a typed error (exit 2 at the entry point)', async () => {
    await assert.rejects(policyEvaluateCommand.run(['--request', request], capture()), AllmendeError)
    await assert.rejects(
      policyEvaluateCommand.run(['--policy', policy, '--request', request, '--format', 'xml'], capture()),
      AllmendeError,
    )
    await assert.rejects(
      policyEvaluateCommand.run(['--policy', '/nonexistent.ttl', '--request', request], capture()),
      AllmendeError,
    )
    await assert.rejects(
      policyEvaluateCommand.run(['--policy', request, '--request', request], capture('')),
      AllmendeError,
    )
  })
})

describe('allmende policy evaluate: state as bare triples', () => {
  it('accepts a state of the world without its ex:Sotw node', async () => {
    const state = `@prefix temp: <http://example.com/request/> . @prefix dct: <http://purl.org/dc/terms/> .
      @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
      temp:currentTime dct:issued "2030-02-12T11:20:10.999Z"^^xsd:dateTime .`
    const io = capture(state)
    const policy = join(SUITE, 'policies', 'policy-12.ttl')
    const request = join(SUITE, 'requests', 'request-1.ttl')
    assert.equal(
      await policyEvaluateCommand.run(
        ['--policy', policy, '--request', request, '--state', '-', '--format', 'json'],
        io,
      ),
      0,
    )
    const summary = JSON.parse(io.out.join(''))
    assert.equal(summary.rules[0].active, false)
    assert.equal(summary.decision, 'deny')
    assert.match(summary.rules[0].failed.join(), /dateTime/)
  })
})
