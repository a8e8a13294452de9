import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fillTemplate, loadTemplates } from '../../src/policy/index.js'
import {
  allmendeJson,
  allmendeOk,
  eventually,
  type RunningNode,
  startAllmende,
  tempDir,
} from '../support/cli-process.js'

const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const RESEARCH = 'https://w3id.org/dpv#NonCommercialResearch'

interface Negotiation {
  id: string
  state: string
  agreementId?: string
  history: { state: string; code?: string; reason?: string }[]
}
interface Transfer {
  id: string
  state: string
  bytes?: number
  reason?: string
}

/**
 * What each shipped template needs to be filled for the consumer B, and what B declares when it
 * negotiates. Every template must end in a finalized agreement and a completed transfer, except:
 * prohibit-access, whose point is to refuse, and the templates that constrain a fact the provider
 * has no value for when it decides (`refused` names it). Those must be refused with a reason naming
 * that fact, and publishing them must already warn that no negotiation can meet them.
 */
function plans(did: Record<string, string>, dataSpace: string) {
  const today = new Date()
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10)
  return {
    'connector-restricted': { values: { connector: did.b! } },
    'distribute-only-encrypted': { values: {}, refused: 'no rule' },
    'duration-usage': { values: { duration: 'P30D' } },
    'event-based': { values: {}, refused: 'event' },
    'flood-warning-only': { values: { assignee: did.b!, until: day(365) }, purpose: FLOOD_WARNING },
    'location-restriction': { values: { location: 'https://www.geonames.org/2895992' }, refused: 'spatial' },
    'members-only': { values: { dataSpace } },
    'n-times-usage': { values: { count: '2' } },
    'perpetual-sale': { values: { price: '100.00' } },
    'prohibit-access': { values: {}, refused: 'prohibited' },
    'provide-access': { values: {} },
    'purpose-restriction': { values: { purpose: 'FloodWarning' }, purpose: FLOOD_WARNING },
    rental: { values: { start: day(-1), end: day(30), price: '10.00' } },
    'research-pseudonymised': { values: {}, purpose: RESEARCH, refused: 'artifactState' },
    'role-based': { values: {}, refused: 'role' },
    'security-level': { values: {}, refused: 'securityLevel' },
    'usage-during-interval': { values: { start: day(-1), end: day(30) } },
    'usage-logging': { values: {} },
    'usage-notification': { values: { notify: did.a! } },
    'use-and-delete-after': { values: {} },
  } as Record<string, { values: Record<string, string>; purpose?: string; refused?: string }>
}

describe('every shipped policy template: publish, negotiate, transfer (one data space for all)', () => {
  // One provider A and one endorsed member B on 127.0.0.1, shared by all templates.
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  let dataSpace: string
  const dir = (name: string) => join(root, name)

  const api = async <T>(name: string, method: string, path: string, body?: unknown): Promise<T> => {
    const token = (await readFile(join(dir(name), 'api-token'), 'utf8')).trim()
    const response = await fetch(`${nodes[name]!.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const json = (await response.json()) as T
    assert.ok(response.ok, `${method} ${path} on ${name}: ${response.status} ${JSON.stringify(json)}`)
    return json
  }
  before(async () => {
    root = await tempDir('allmende-templates-')
    for (const name of ['a', 'b']) {
      const init = await allmendeJson<{ did: string }>(['init', '--dir', dir(name), '--name', `Node ${name}`])
      did[name] = init.did
    }
    nodes.a = await startAllmende(['--dir', dir('a')])
    const created = await allmendeJson<{ descriptor: string; id: string }>([
      'dataspace',
      'create',
      '--title',
      'Vorlagen',
      '--dir',
      dir('a'),
    ])
    dataSpace = created.id
    await nodes.a.stop()
    await allmendeOk(['dataspace', 'join', '--descriptor', created.descriptor, '--dir', dir('b')])
    await allmendeOk(['dataspace', 'endorse', did.b!, '--dir', dir('a')])
    ;[nodes.a, nodes.b] = await Promise.all([
      startAllmende(['--dir', dir('a')]),
      startAllmende(['--dir', dir('b')]),
    ])
    // b was endorsed while the anchor was stopped: it fetches its credential once the anchor runs.
    await eventually(
      async () => {
        const status = await allmendeJson<{ membership: { state: string } | null }>([
          'status',
          '--dir',
          dir('b'),
        ])
        return status.membership?.state === 'member' ? true : undefined
      },
      { timeoutMs: 60_000, what: 'b holds its membership credential' },
    )
    await writeFile(
      join(root, 'pegel.json'),
      JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }]),
    )
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('each template completes a negotiation and a transfer, or is warned about and refused with a reason', async () => {
    const plan = plans(did, dataSpace)
    const names = loadTemplates().map((t) => t.name)
    assert.deepEqual(Object.keys(plan).sort(), [...names].sort(), 'every shipped template has a plan here')
    const failures: string[] = []
    for (const template of loadTemplates()) {
      const step = plan[template.name]!
      const target = `urn:allmende:dataset:template-${template.name}`
      const offer = fillTemplate(template, { assigner: did.a!, target, ...step.values })
      const added = await api<{ dataset: { id: string }; warnings: unknown[] }>(
        'a',
        'POST',
        '/api/v1/datasets',
        {
          id: target,
          title: `Vorlage ${template.name}`,
          description: `Pegeldaten unter der Vorlage ${template.name}`,
          publisher: { name: 'Node a', id: did.a },
          distributions: [{ format: 'JSON', mediaType: 'application/json' }],
          source: { kind: 'file', path: join(root, 'pegel.json') },
          offers: [{ offer, access: { kind: 'members' } }],
        },
      )
      const warned = JSON.stringify(added.warnings).includes('will be refused')
      if (warned !== (step.refused !== undefined)) {
        failures.push(`${template.name}: publishing warned ${warned}: ${JSON.stringify(added.warnings)}`)
      }
      const started = await api<{ id: string }>('b', 'POST', '/api/v1/negotiations', {
        provider: did.a,
        dataset: added.dataset.id,
        ...(step.purpose === undefined ? {} : { purpose: step.purpose }),
      }).catch((error: Error) => ({ id: '', error: error.message }))
      if (started.id === '') {
        failures.push(`${template.name}: negotiation not started: ${(started as { error: string }).error}`)
        continue
      }
      const negotiation = await eventually(
        async () => {
          const n = await api<Negotiation>(
            'b',
            'GET',
            `/api/v1/negotiations/${encodeURIComponent(started.id)}`,
          )
          return n.state === 'FINALIZED' || n.state === 'TERMINATED' ? n : undefined
        },
        { what: `the negotiation under ${template.name}`, timeoutMs: 60_000 },
      )
      if (step.refused !== undefined) {
        const reason = negotiation.history.at(-1)?.reason ?? ''
        if (negotiation.state !== 'TERMINATED' || !reason.includes(step.refused)) {
          failures.push(
            `${template.name}: expected a refusal naming ${step.refused}, got ${negotiation.state} ${reason}`,
          )
        }
        continue
      }
      if (negotiation.state !== 'FINALIZED') {
        failures.push(
          `${template.name}: negotiation ${negotiation.state}: ${JSON.stringify(negotiation.history.at(-1))}`,
        )
        continue
      }
      const out = join(root, 'downloads', `b-${template.name}.json`)
      const transfer = await api<Transfer>('b', 'POST', '/api/v1/transfers', {
        agreement: negotiation.agreementId,
        out,
      })
      const done = await eventually(
        async () => {
          const t = await api<Transfer>('b', 'GET', `/api/v1/transfers/${encodeURIComponent(transfer.id)}`)
          return t.state === 'COMPLETED' || t.state === 'TERMINATED' ? t : undefined
        },
        { what: `the transfer under ${template.name}`, timeoutMs: 60_000 },
      )
      if (done.state !== 'COMPLETED')
        failures.push(`${template.name}: transfer ${done.state}: ${done.reason ?? ''}`)
      else assert.equal(await readFile(out, 'utf8'), await readFile(join(root, 'pegel.json'), 'utf8'))
    }
    assert.deepEqual(failures, [])
  })
})
