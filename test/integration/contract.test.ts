import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { AUDIT_ENTRY_RANGE, AUDIT_SUBLEVEL } from '../../src/audit/index.js'
import { verifyAgreementCredential } from '../../src/credentials/index.js'
import { Store } from '../../src/store/index.js'
import {
  allmendeJson,
  allmendeOk,
  eventually,
  initNodes,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { FLOOD_WARNING, floodWarningOffer } from '../support/offers.js'
import { tempDir } from '../support/temp-dir.js'

const TOURISM = 'https://w3id.org/allmende/odrl#TourismPromotion'

interface NegotiationSummary {
  negotiation: string
  state: string
  agreement: string | null
  code?: string
  reason?: string
}
interface Negotiation {
  id: string
  state: string
  agreementId?: string
  consumerPid: string
  history: { state: string; reason?: string }[]
}
interface CatalogHit {
  provider: string
  datasetId: string
  title: string
}

describe('catalog and contract negotiation between members of a data space', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const dir = (name: string) => join(root, name)
  let datasetId: string

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

  /** A publishes the water levels under the offer in `offerFile`; the flags choose access or approval. */
  const publish = async (title: string, offerFile: string, flags: string[]): Promise<string> => {
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      dir('a'),
      '--title',
      title,
      '--source',
      join(root, 'pegel.json'),
      '--policy',
      join(root, offerFile),
      ...flags,
    ])
    return added.dataset.id
  }

  /** The CLI arguments of `consumer` asking A for `dataset` under `purpose`. */
  const negotiation = (consumer: string, dataset: string, purpose: string, ...flags: string[]) => [
    'negotiate',
    '--dir',
    dir(consumer),
    '--provider',
    did.a!,
    '--dataset',
    dataset,
    '--purpose',
    purpose,
    ...flags,
  ]

  before(async () => {
    root = await tempDir('allmende-contract-')
    const init = await initNodes(root, ['a', 'b', 'c'])
    Object.assign(did, init.did)
    nodes.a = await startAllmende(['--dir', dir('a')])
    const created = await allmendeJson<{ descriptor: string }>([
      'dataspace',
      'create',
      '--title',
      'Südwest-Cluster',
      '--dir',
      dir('a'),
    ])
    await nodes.a.stop()
    for (const name of ['b', 'c'])
      await allmendeOk(['dataspace', 'join', '--descriptor', created.descriptor, '--dir', dir(name)])
    // by its directory: the credential carries the name B's config gives
    await allmendeOk(['dataspace', 'endorse', dir('b'), '--dir', dir('a')])
    nodes.a = await startAllmende(['--dir', dir('a')])
    ;[nodes.b, nodes.c] = await Promise.all([
      startAllmende(['--dir', dir('b')]),
      startAllmende(['--dir', dir('c')]),
    ])

    await writeFile(
      join(root, 'pegel.json'),
      JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }]),
    )
    await writeFile(
      join(root, 'offer.json'),
      JSON.stringify(floodWarningOffer('urn:allmende:offer:pegel-hochwasser')),
    )
    datasetId = await publish('Pegel Altenglan, Wasserstand 15 Minuten', 'offer.json', [
      '--access',
      'members',
    ])
  })

  after(async () => {
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('B finds the water levels of A in its federated catalog, naming A as provider', async () => {
    const hit = await eventually(
      async () => {
        const hits = await allmendeJson<CatalogHit[]>([
          'catalog',
          '--q',
          'pegel',
          '--refresh',
          '--dir',
          dir('b'),
        ])
        return hits.find((h) => h.datasetId === datasetId)
      },
      { what: "A's dataset in B's catalog" },
    )
    assert.equal(hit.provider, did.a)
  })

  it('B negotiates for flood warning to FINALIZED; both hold the agreement with both proofs', async () => {
    const result = await allmendeJson<NegotiationSummary>(
      negotiation('b', datasetId, FLOOD_WARNING, '--wait'),
    )
    assert.equal(result.state, 'FINALIZED', JSON.stringify(result))
    assert.ok(result.agreement)
    for (const name of ['a', 'b']) {
      const record = await eventually(() => fetchAgreement(name, result.agreement!), {
        what: `the agreement on ${name}`,
      })
      const verification = await verifyAgreementCredential(record.credential)
      assert.equal(verification.verified, true, JSON.stringify(verification))
      if (verification.verified) {
        assert.equal(verification.assigner, did.a)
        assert.equal(verification.assignee, did.b)
        assert.equal(verification.target, datasetId)
      }
    }
    // B proves the contract to an auditor, who checks it offline with the challenge it chose
    const proof = join(root, 'proof.json')
    await allmendeOk([
      'contract',
      'prove',
      result.agreement!,
      '--challenge',
      'pruefung-4711',
      '--domain',
      'ordnungsamt.example',
      '--out',
      proof,
      '--dir',
      dir('b'),
    ])
    const verified = await runAllmende([
      'contract',
      'verify',
      proof,
      '--challenge',
      'pruefung-4711',
      '--domain',
      'ordnungsamt.example',
    ])
    assert.equal(verified.code, 0, verified.stdout + verified.stderr)
    // names only from the bundle: B's membership credential signed by anchor A, traced to the descriptor
    assert.match(verified.stdout, new RegExp(`assignee: +Node b \\(${did.b}\\) \\(consumer\\)`))
    assert.match(
      verified.stdout,
      new RegExp(
        `consumer name: +"Node b" from its membership credential urn:uuid:\\S+, signed by trust anchor ${did.a} of data space "Südwest-Cluster"`,
      ),
    )
    assert.match(
      verified.stdout,
      /provider name: +not proven: a trust anchor of data space "Südwest-Cluster"/,
    )
    const tampered = JSON.parse(await readFile(proof, 'utf8')) as Record<string, unknown>
    ;(tampered.dataspaceDescriptor as { title: string }).title = 'Anderer Raum'
    await writeFile(join(root, 'tampered.json'), JSON.stringify(tampered))
    const unproven = await runAllmende([
      'contract',
      'verify',
      join(root, 'tampered.json'),
      '--challenge',
      'pruefung-4711',
    ])
    assert.equal(unproven.code, 0, 'the agreement itself still verifies')
    assert.match(
      unproven.stdout,
      /consumer name: +not proven: the bundled data space descriptor does not verify/,
    )
    assert.doesNotMatch(unproven.stdout, /Node b/)
    // the operator's lists name the counterparty too
    const listed = await runAllmende(['negotiations', 'list', '--dir', dir('a')])
    assert.match(listed.stdout, new RegExp(`Node b \\(${did.b}\\)`))
    const agreements = await runAllmende(['agreements', 'list', '--dir', dir('b')])
    assert.match(agreements.stdout, new RegExp(`Node a \\(${did.a}\\)`))
    const wrongChallenge = await runAllmende([
      'contract',
      'verify',
      proof,
      '--challenge',
      'other',
      '--domain',
      'ordnungsamt.example',
    ])
    assert.equal(wrongChallenge.code, 1)
  })

  async function fetchAgreement(name: string, id: string) {
    return api<{ credential: Record<string, unknown> }>(
      name,
      'GET',
      `/api/v1/agreements/${encodeURIComponent(id)}`,
    )
  }

  it('B asking for tourism ends TERMINATED with a reason naming the purpose constraint', async () => {
    const result = await runAllmende(negotiation('b', datasetId, TOURISM, '--wait', '--json'))
    assert.equal(result.code, 1)
    const summary = JSON.parse(result.stdout) as NegotiationSummary
    assert.equal(summary.state, 'TERMINATED')
    assert.equal(summary.code, 'PURPOSE_NOT_PERMITTED')
    assert.match(summary.reason ?? '', /purpose/)
    assert.match(summary.reason ?? '', /FloodWarning/)
  })

  it('an offer whose prohibition names a third party ends TERMINATED with the reason, not open forever', async () => {
    const offer = {
      ...floodWarningOffer('urn:allmende:offer:pegel-dritte'),
      prohibition: [{ action: 'distribute', assignee: did.c }],
    }
    await writeFile(join(root, 'third-party-offer.json'), JSON.stringify(offer))
    const dataset = await publish('Pegel Ulmet, Wasserstand 15 Minuten', 'third-party-offer.json', [
      '--access',
      'members',
    ])
    const result = await runAllmende(negotiation('b', dataset, FLOOD_WARNING, '--wait', '--json'))
    assert.equal(result.code, 1, result.stdout + result.stderr)
    const summary = JSON.parse(result.stdout) as NegotiationSummary
    assert.equal(summary.state, 'TERMINATED')
    assert.equal(summary.code, 'ALLMENDE_INVALID_CREDENTIAL')
    assert.match(summary.reason ?? '', /a rule names did:key:\S+ as assignee/)
  })

  it('C, not a member, neither sees nor negotiates the dataset', async () => {
    const hits = await allmendeJson<CatalogHit[]>(['catalog', '--refresh', '--dir', dir('c')])
    assert.ok(!hits.some((h) => h.datasetId === datasetId))
    const attempt = await runAllmende(negotiation('c', datasetId, FLOOD_WARNING, '--wait', '--json'))
    assert.notEqual(attempt.code, 0)
    const providerSide = await api<{ negotiations: (Negotiation & { counterparty: string })[] }>(
      'a',
      'GET',
      '/api/v1/negotiations',
    )
    assert.equal(providerSide.negotiations.filter((n) => n.counterparty === did.c).length, 0)
  })

  it('kill -9 of the provider in AGREED: after restart both sides reach the same final state', async () => {
    await writeFile(
      join(root, 'offer-manual.json'),
      JSON.stringify(floodWarningOffer('urn:allmende:offer:pegel-freigabe')),
    )
    const dataset = await publish('Pegel Lauterecken, mit Freigabe', 'offer-manual.json', [
      '--approval',
      'manual',
    ])
    const requested = await allmendeJson<NegotiationSummary>(negotiation('b', dataset, FLOOD_WARNING))
    assert.equal(requested.state, 'REQUESTED')
    const held = await eventually(
      async () => {
        const { negotiations } = await api<{ negotiations: (Negotiation & { awaitingApproval?: string })[] }>(
          'a',
          'GET',
          '/api/v1/negotiations',
        )
        return negotiations.find(
          (n) => n.consumerPid === requested.negotiation && n.awaitingApproval !== undefined,
        )
      },
      { what: 'the request held for approval on A' },
    )
    // The consumer freezes: the provider's agreement cannot be delivered, so A stays AGREED.
    nodes.b!.process.kill('SIGSTOP')
    try {
      const approved = await api<Negotiation>(
        'a',
        'POST',
        `/api/v1/negotiations/${encodeURIComponent(held.id)}/approve`,
      )
      assert.equal(approved.state, 'AGREED')
      await nodes.a!.kill()
    } finally {
      nodes.b!.process.kill('SIGCONT')
    }
    nodes.a = await startAllmende(['--dir', dir('a')])
    const states = await eventually(
      async () => {
        const provider = await api<Negotiation>(
          'a',
          'GET',
          `/api/v1/negotiations/${encodeURIComponent(held.id)}`,
        )
        const consumer = await api<Negotiation>(
          'b',
          'GET',
          `/api/v1/negotiations/${encodeURIComponent(requested.negotiation)}`,
        )
        const done = ['FINALIZED', 'TERMINATED']
        return done.includes(provider.state) && done.includes(consumer.state)
          ? [provider.state, consumer.state]
          : undefined
      },
      // A's outbox re-delivers the agreement for about three minutes while B reconnects to it.
      { what: 'both sides to finish the negotiation', timeoutMs: 240_000 },
    )
    assert.equal(states[0], states[1])
    assert.equal(states[0], 'FINALIZED')
  })

  it('audit verify passes on both nodes; a hand-edited entry fails it', async () => {
    for (const name of ['a', 'b']) {
      const result = await runAllmende(['audit', 'verify', '--dir', dir(name), '--json'])
      assert.equal(result.code, 0, result.stdout + result.stderr)
    }
    await nodes.a!.stop()
    const store = await Store.open(join(dir('a'), 'db'))
    const audit = store.sublevel<Record<string, unknown>>(AUDIT_SUBLEVEL)
    let edited = false
    for await (const [key, entry] of audit.iterator(AUDIT_ENTRY_RANGE)) {
      if (entry.type === 'negotiation.terminated') {
        await audit.put(key, { ...entry, data: { ...(entry.data as object), reason: 'nothing happened' } })
        edited = true
        break
      }
    }
    await store.close()
    assert.ok(edited, 'no negotiation entry found to edit')
    const result = await runAllmende(['audit', 'verify', '--dir', dir('a')])
    assert.equal(result.code, 1)
    assert.match(result.stdout + result.stderr, /modified|hash/)
  })
})
