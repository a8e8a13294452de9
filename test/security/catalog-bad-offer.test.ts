import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, it } from 'node:test'
import { DspHttpClient, IdTokenIssuer } from '../../src/bindings/http/index.js'
import {
  buildDspCatalog,
  Catalog,
  CatalogFederation,
  FederatedCatalogCache,
  offerPublishProblems,
  resolveHttpOffer,
  validateOfferWithPolicyEngine,
} from '../../src/catalog/index.js'
import { policyValidateCommand } from '../../src/cli/commands/policy-validate.js'
import { generateNodeKey } from '../../src/identity/index.js'
import type { Logger } from '../../src/log/index.js'
import { createSilentLogger } from '../../src/log/index.js'
import { ForeignParty } from '../support/foreign-party.js'
import { tempDir } from '../support/temp-dir.js'
import {
  checkOffer,
  glanInput,
  ManualClock,
  MEMBER,
  roleConstraint,
  tempStore,
} from '../unit/catalog/fixtures.js'

const PROVIDER = 'did:web:connector.kusel.de'

/** A logger that keeps its warnings. */
function recordingLogger(): { log: Logger; warnings: unknown[] } {
  const warnings: unknown[] = []
  const base = createSilentLogger()
  const log = Object.create(base) as Logger
  log.warn = ((obj: unknown) => {
    warnings.push(obj)
  }) as Logger['warn']
  return { log, warnings }
}

describe('one invalid offer never hides a provider catalog', () => {
  let disposers: (() => Promise<void>)[]
  let answer: Record<string, unknown>
  let federation: CatalogFederation
  let cache: FederatedCatalogCache
  let warnings: unknown[]
  /** Dataset ids: intact, with one bad offer beside a good one, with only a bad offer. */
  let ids: { intact: string; mixed: string; broken: string }

  beforeEach(async () => {
    const clock = new ManualClock()
    const a = await tempStore()
    const b = await tempStore()
    disposers = [a.dispose, b.dispose]
    const newCatalog = (s: typeof a.store) =>
      new Catalog({ store: s, clock }, { validateOffer: checkOffer, evaluateConstraint: roleConstraint })
    const remote = newCatalog(a.store)
    for (const title of ['Pegel Altenglan', 'Pegel Lauterecken', 'Niederschlag Kusel']) {
      await remote.add(glanInput({ title }))
    }
    answer = buildDspCatalog(await remote.catalogFor({ did: MEMBER, isMember: true }), {
      participantId: PROVIDER,
      endpointURL: '/p2p/provider',
    }) as unknown as Record<string, unknown>
    // What a provider of another implementation (or an older Allmende) sends: count lteq 2 as a number.
    const datasets = answer.dataset as { hasPolicy: Record<string, unknown>[] }[]
    datasets[1]!.hasPolicy = [
      ...datasets[1]!.hasPolicy,
      {
        '@id': 'urn:uuid:bad-offer',
        '@type': 'Offer',
        permission: [
          { action: 'use', constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 2 }] },
        ],
      },
    ]
    datasets[2]!.hasPolicy = [{ '@id': 'urn:uuid:only-bad', '@type': 'Offer', permission: [{ action: 7 }] }]
    const idOf = (i: number) => (datasets[i] as unknown as { '@id': string })['@id']
    ids = { intact: idOf(0), mixed: idOf(1), broken: idOf(2) }
    const local = newCatalog(b.store)
    cache = new FederatedCatalogCache({ store: b.store, clock, catalog: local }, { participantId: MEMBER })
    const recorded = recordingLogger()
    warnings = recorded.warnings
    federation = new CatalogFederation({
      catalog: local,
      cache,
      log: recorded.log,
      self: MEMBER,
      network: {
        announce: async () => undefined,
        announceSummary: async () => undefined,
        fetchCatalog: async () => answer,
        providers: async () => [PROVIDER],
        members: () => 1,
        fetchDataset: async () => undefined,
      },
    })
  })
  afterEach(async () => {
    for (const d of disposers) await d()
  })

  it('caches the valid datasets, leaves out the bad offer and the dataset with no valid offer', async () => {
    assert.equal(await federation.refreshProvider(PROVIDER), 2)
    const cached = await cache.entriesOf(PROVIDER)
    assert.deepEqual(cached.map((e) => e.datasetId).sort(), [ids.intact, ids.mixed].sort())
    const second = cached.find((e) => e.datasetId === ids.mixed)!
    const offers = (second.dataset.hasPolicy as { '@id': string }[]).map((o) => o['@id'])
    assert.ok(!offers.includes('urn:uuid:bad-offer'), 'the bad offer is left out')
    assert.equal(offers.length, 1, 'the good offer of the same dataset stays')
  })

  it('logs what it left out, once per provider in a while, not on every refresh', async () => {
    await federation.refreshProvider(PROVIDER)
    await federation.refreshProvider(PROVIDER)
    await federation.refreshProvider(PROVIDER)
    assert.equal(warnings.length, 1)
    const logged = JSON.stringify(warnings[0])
    assert.match(logged, /urn:uuid:bad-offer/)
    assert.match(logged, /rightOperand/)
  })

  it('over DSP HTTP too: the consumer keeps the other datasets and the good offer beside the bad one, and logs it', async () => {
    const provider = new ForeignParty(await generateNodeKey())
    await provider.start()
    try {
      const datasets = answer.dataset as Record<string, unknown>[]
      // The bad offer first: a consumer that took the first offer as it came would pick it.
      const mixed = datasets.find((d) => d['@id'] === ids.mixed)!
      mixed.hasPolicy = [...(mixed.hasPolicy as unknown[])].reverse()
      provider.respond = (request) => {
        if (request.path === '/dsp/2025-1/catalog/request') {
          return { status: 200, body: { ...answer, participantId: provider.did } }
        }
        const dataset = datasets.find((d) => request.path === `/dsp/2025-1/catalog/datasets/${d['@id']}`)
        return dataset && { status: 200, body: { '@context': answer['@context'], ...dataset } }
      }
      const recorded = recordingLogger()
      const client = new DspHttpClient({
        tokens: new IdTokenIssuer({ key: await generateNodeKey() }),
        log: recorded.log,
      })
      const base = `${provider.url}/dsp/2025-1`
      const catalog = await client.catalog(base)
      assert.deepEqual((catalog.dataset ?? []).map((d) => d['@id']).sort(), [ids.intact, ids.mixed].sort())
      const chosen = await resolveHttpOffer(client, base, ids.mixed)
      assert.notEqual(chosen.offer['@id'], 'urn:uuid:bad-offer')
      await assert.rejects(resolveHttpOffer(client, base, ids.mixed, 'urn:uuid:bad-offer'), /offers no offer/)
      await assert.rejects(resolveHttpOffer(client, base, ids.broken), /breaks the DSP schema/)
      assert.equal(recorded.warnings.length, 1, 'logged once per provider, not per request')
      assert.match(JSON.stringify(recorded.warnings[0]), /urn:uuid:bad-offer/)
    } finally {
      await provider.stop()
    }
  })

  it('an Allmende provider never publishes such an offer: numbers become typed literals, and validate says what consumers would refuse', () => {
    const nTimes = {
      '@context': 'http://www.w3.org/ns/odrl.jsonld',
      '@type': 'Offer',
      uid: 'urn:uuid:n-times',
      permission: [
        { action: 'use', constraint: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 2 }] },
      ],
    }
    assert.deepEqual(offerPublishProblems(nTimes).errors, [])
    const broken = {
      ...nTimes,
      permission: [{ action: 'use', constraint: [{ leftOperand: 'count', operator: 'lteq' }] }],
    }
    assert.match(
      offerPublishProblems(broken).errors[0]?.message ?? '',
      /consumers would leave this offer out/,
    )
  })
})

describe('policy validate carries the checks the catalog applies on publish', () => {
  // Valid ODRL, but DSP allows no rightOperandReference: every consumer would leave the offer out.
  const offer = {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid: 'urn:uuid:5d0c7c44-0000-4000-8000-00000000000c',
    assigner: 'did:web:kusel.de',
    target: 'urn:allmende:dataset:pegel-glan',
    permission: [
      {
        action: 'use',
        constraint: [
          {
            leftOperand: 'dateTime',
            operator: 'lteq',
            rightOperandReference: 'https://kusel.de/projektende',
          },
        ],
      },
    ],
  }
  const run = async (args: string[]) => {
    const out: string[] = []
    const code = await policyValidateCommand.run(args, {
      stdout: (t) => out.push(t),
      stderr: () => undefined,
      readStdin: async () => '',
    })
    return { code, out: out.join('') }
  }

  it('an offer the catalog refuses does not validate, with the same code, in German and English', async () => {
    const file = join(await tempDir('allmende-validate-'), 'offer.jsonld')
    await writeFile(file, JSON.stringify(offer))
    const en = await run([file, '--lang', 'en', '--json'])
    assert.equal(en.code, 1, en.out)
    const result = JSON.parse(en.out) as { errors: { code: string; message: string }[] }
    assert.deepEqual(
      result.errors.map((e) => e.code),
      ['dsp-schema'],
    )
    assert.match(result.errors[0]!.message, /Consumers would leave this offer out/)
    const de = await run([file, '--lang', 'de'])
    assert.equal(de.code, 1)
    assert.match(de.out, /\[dsp-schema\] {2}Konsumenten würden dieses Angebot/)

    const { store, dispose } = await tempStore()
    try {
      const catalog = new Catalog(
        { store, clock: new ManualClock() },
        { validateOffer: validateOfferWithPolicyEngine, evaluateConstraint: roleConstraint },
      )
      await assert.rejects(
        catalog.add(glanInput({ offers: [{ offer: { ...offer }, access: { kind: 'members' } }] })),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'ALLMENDE_INVALID_OFFER', error.message)
          assert.match(error.message, /consumers would leave this offer out/)
          return true
        },
      )
    } finally {
      await dispose()
    }
  })
})
