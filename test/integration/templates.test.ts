import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateNodeKey } from '../../src/identity/index.js'
import { fillTemplate, loadTemplates } from '../../src/policy/index.js'
import {
  allmendeJson,
  allmendeOk,
  eventually,
  type RunningNode,
  startAllmende,
} from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

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

/** How one dataset under a template is published and asked for. */
interface Attempt {
  /** Template parameters besides assigner and target. */
  values: Record<string, string>
  /** The purpose B declares. */
  purpose?: string
  /** What B declares about itself (role, place of use, security profile). */
  declare?: Record<string, string>
  /** The states A states its dataset is delivered in. */
  artifactState?: string[]
}

/**
 * What each shipped template needs to be filled and satisfied by the consumer B, and, where the template
 * restricts who or when, an attempt that must be refused with a reason naming the fact (`refused`).
 * Facts come from their rightful source: B declares its role, place of use and security profile; A's
 * node config states the events in force (a flood alert here), A's dataset the state its data is
 * delivered in; membership and connector A establishes itself.
 */
function plans(did: Record<string, string>, dataSpace: string, stranger: string) {
  const today = new Date()
  const day = (offset: number) => new Date(today.getTime() + offset * 86_400_000).toISOString().slice(0, 10)
  const kusel = 'https://www.geonames.org/2895992'
  return {
    'connector-restricted': { values: { connector: did.b! } },
    'distribute-only-encrypted': { values: {} },
    'duration-usage': { values: { duration: 'P30D' } },
    'event-based': {
      values: {},
      refused: { values: { event: 'https://w3id.org/allmende/odrl#Emergency' }, reason: 'event' },
    },
    'flood-warning-only': { values: { assignee: did.b!, until: day(365) }, purpose: FLOOD_WARNING },
    'location-restriction': {
      values: { location: kusel },
      declare: { spatial: kusel },
      refused: {
        values: { location: kusel },
        declare: { spatial: 'https://www.geonames.org/2950159' },
        reason: 'spatial',
      },
    },
    'members-only': { values: { dataSpace } },
    'n-times-usage': { values: { count: '2' } },
    'perpetual-sale': { values: { price: '100.00' } },
    'prohibit-access': {
      values: { blocked: stranger },
      refused: { values: { blocked: did.b! }, reason: 'prohibit' },
    },
    'provide-access': { values: {} },
    'purpose-restriction': { values: { purpose: 'FloodWarning' }, purpose: FLOOD_WARNING },
    rental: { values: { start: day(-1), end: day(30), price: '10.00' } },
    'research-pseudonymised': {
      values: {},
      purpose: RESEARCH,
      artifactState: ['Pseudonymised'],
      refused: { values: {}, purpose: RESEARCH, reason: 'artifactState' },
    },
    'role-based': {
      values: {},
      declare: { role: 'allmende:DataSteward' },
      refused: { values: {}, declare: { role: 'allmende:Researcher' }, reason: 'role' },
    },
    'security-level': {
      values: {},
      declare: { securityLevel: 'TrustPlus' },
      refused: { values: {}, declare: { securityLevel: 'Base' }, reason: 'securityLevel' },
    },
    'usage-during-interval': { values: { start: day(-1), end: day(30) } },
    'usage-logging': { values: {} },
    'usage-notification': { values: { notify: did.a! } },
    'use-and-delete-after': { values: {} },
  } as Record<string, Attempt & { refused?: Attempt & { reason: string } }>
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
    // A's operator states that a flood alert is in force (event-based offers are judged against it).
    await allmendeOk(['config', 'set', 'events', 'allmende:FloodAlert', '--dir', dir('a')])
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

  /** Publishes `offer` on A, lets B negotiate for it; the negotiation as it ended. */
  const negotiate = async (target: string, offer: Record<string, unknown>, attempt: Attempt) => {
    const added = await api<{ dataset: { id: string }; warnings: unknown[] }>(
      'a',
      'POST',
      '/api/v1/datasets',
      {
        id: target,
        title: `Vorlage ${target}`,
        description: `Pegeldaten unter ${target}`,
        publisher: { name: 'Node a', id: did.a },
        distributions: [{ format: 'JSON', mediaType: 'application/json' }],
        source: { kind: 'file', path: join(root, 'pegel.json') },
        offers: [{ offer, access: { kind: 'members' } }],
        ...(attempt.artifactState === undefined ? {} : { artifactState: attempt.artifactState }),
      },
    )
    const started = await api<{ id: string }>('b', 'POST', '/api/v1/negotiations', {
      provider: did.a,
      dataset: added.dataset.id,
      ...(attempt.purpose === undefined ? {} : { purpose: attempt.purpose }),
      ...(attempt.declare === undefined ? {} : { declare: attempt.declare }),
    })
    const negotiation = await eventually(
      async () => {
        const n = await api<Negotiation>('b', 'GET', `/api/v1/negotiations/${encodeURIComponent(started.id)}`)
        return n.state === 'FINALIZED' || n.state === 'TERMINATED' ? n : undefined
      },
      { what: `the negotiation for ${target}`, timeoutMs: 60_000 },
    )
    return { negotiation, warnings: added.warnings }
  }

  it('each template completes a negotiation and a transfer for a party that meets it, and refuses others with the reason', async () => {
    const stranger = (await generateNodeKey()).did
    const plan = plans(did, dataSpace, stranger)
    const names = loadTemplates().map((t) => t.name)
    assert.deepEqual(Object.keys(plan).sort(), [...names].sort(), 'every shipped template has a plan here')
    const failures: string[] = []
    for (const template of loadTemplates()) {
      const step = plan[template.name]!
      const target = `urn:allmende:dataset:template-${template.name}`
      const offer = fillTemplate(template, { assigner: did.a!, target, ...step.values })
      const { negotiation, warnings } = await negotiate(target, offer, step).catch((error: Error) => {
        failures.push(`${template.name}: ${error.message}`)
        return { negotiation: undefined, warnings: [] }
      })
      if (JSON.stringify(warnings).includes('will be refused')) {
        failures.push(`${template.name}: publishing warned: ${JSON.stringify(warnings)}`)
      }
      if (step.refused !== undefined) {
        const refusedTarget = `${target}-refused`
        const other = fillTemplate(template, {
          assigner: did.a!,
          target: refusedTarget,
          ...step.refused.values,
        })
        const refused = await negotiate(refusedTarget, other, step.refused)
        const reason = refused.negotiation.history.at(-1)?.reason ?? ''
        if (refused.negotiation.state !== 'TERMINATED' || !reason.includes(step.refused.reason)) {
          failures.push(
            `${template.name}: expected a refusal naming ${step.refused.reason}, got ${refused.negotiation.state} ${reason}`,
          )
        }
      }
      if (negotiation === undefined) continue
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
