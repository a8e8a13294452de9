// DSP 2025-1 over HTTPS (reference §1, TCK scenarios of §2): a foreign DSP party, written here with
// plain fetch and a node:http server (not our binding), plays consumer against an Allmende provider
// and provider against an Allmende consumer. What is particular to HTTP lives here: status codes,
// error bodies against their schemas, ID tokens, callbacks, the HTTP data plane, foreign parties.
// What both bindings must do alike (negotiation and transfer scenarios, illegal moves, refusals)
// is the binding suite's (test/integration/bindings/binding-suite.test.ts).
import assert from 'node:assert/strict'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { generateNodeKey } from '../../src/identity/index.js'
import { validateMessage } from '../../src/protocol/index.js'
import {
  allmendeJson,
  initNodes,
  type RunningNode,
  runAllmende,
  startAllmende,
} from '../support/cli-process.js'
import { DSP_CONTEXT, ForeignParty, type Recorded } from '../support/foreign-party.js'
import { tempDir } from '../support/temp-dir.js'

const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const PROFILE = 'https://w3id.org/allmende/odrl-profile/v1'

const ack = (providerPid: string, consumerPid: string, state: string) => ({
  '@context': [DSP_CONTEXT],
  '@type': 'ContractNegotiation',
  providerPid,
  consumerPid,
  state,
})

function offerFile(uid: string, purpose?: string) {
  return {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid,
    profile: PROFILE,
    permission: [
      purpose === undefined
        ? { action: 'use' }
        : {
            action: 'use',
            constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': purpose } }],
          },
    ],
  }
}

describe('DSP 2025-1 over HTTPS', () => {
  let root: string
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  const dspUrl: Record<string, string> = {}
  const dataset: Record<string, string> = {}
  const dir = (name: string) => join(root, name)
  let foreign: ForeignParty
  /** The agreement the foreign consumer concluded in CN 01-04 (for the transfer over HTTP). */
  let foreignAgreement: string | undefined

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
  const negotiationOn = (name: string, id: string) =>
    api<{
      id: string
      state: string
      agreementProof?: string
      callbackAddress?: string
      history: { code?: string }[]
    }>(name, 'GET', `/api/v1/negotiations/${encodeURIComponent(id)}`)

  async function addDataset(name: string, title: string, offer: object, flags: string[]): Promise<string> {
    const offerPath = join(root, `${title}.offer.json`)
    await writeFile(offerPath, JSON.stringify(offer))
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      dir(name),
      '--title',
      title,
      '--source',
      join(root, 'pegel.json'),
      '--policy',
      offerPath,
      ...flags,
    ])
    return added.dataset.id
  }

  before(async () => {
    root = await tempDir('allmende-dsp-http-')
    const init = await initNodes(root, ['p', 'c'], { extra: ['--dsp-port', '0'] })
    Object.assign(did, init.did)
    nodes.p = await startAllmende(['--dir', dir('p')])
    const created = await allmendeJson<{ descriptor: string }>([
      'dataspace',
      'create',
      '--title',
      'Südwest-Cluster',
      '--dir',
      dir('p'),
    ])
    await nodes.p.stop()
    const joined = await runAllmende([
      'dataspace',
      'join',
      '--descriptor',
      created.descriptor,
      '--dir',
      dir('c'),
    ])
    assert.equal(joined.code, 0, joined.stderr)
    const endorsed = await runAllmende(['dataspace', 'endorse', did.c!, '--dir', dir('p')])
    assert.equal(endorsed.code, 0, endorsed.stderr)
    nodes.p = await startAllmende(['--dir', dir('p')])
    nodes.c = await startAllmende(['--dir', dir('c')])
    for (const name of ['p', 'c']) {
      const status = await allmendeJson<{ dsp?: string; did: string }>(['status', '--dir', dir(name)])
      assert.match(status.dsp ?? '', /^http:\/\/127\.0\.0\.1:\d+\/dsp\/2025-1$/)
      dspUrl[name] = status.dsp!
    }
    await writeFile(
      join(root, 'pegel.json'),
      JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }]),
    )
    dataset.open = await addDataset('p', 'Pegel offen', offerFile('urn:allmende:offer:open'), [
      '--access',
      'public',
    ])
    dataset.held = await addDataset('p', 'Pegel mit Freigabe', offerFile('urn:allmende:offer:held'), [
      '--access',
      'public',
      '--approval',
      'manual',
    ])
    dataset.purpose = await addDataset(
      'p',
      'Pegel Hochwasser',
      offerFile('urn:allmende:offer:purpose', FLOOD_WARNING),
      ['--access', 'public'],
    )
    dataset.members = await addDataset(
      'p',
      'Pegel Mitglieder',
      offerFile('urn:allmende:offer:members', FLOOD_WARNING),
      ['--access', 'members'],
    )
    foreign = new ForeignParty(await generateNodeKey())
    await foreign.start()
  })

  after(async () => {
    if (process.env.DSP_DEBUG !== undefined) for (const n of Object.values(nodes)) console.log(n.output())
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
    await foreign?.stop()
  })

  // ---- our provider, the foreign party consumes ------------------------------------------------

  /** The foreign consumer's view of one of P's datasets, and a ContractRequestMessage for its offer. */
  async function requestFor(datasetId: string, extra: Record<string, unknown> = {}) {
    const { status, body } = await foreign.call(
      'GET',
      `${dspUrl.p}/catalog/datasets/${encodeURIComponent(datasetId)}`,
      {
        audience: did.p!,
      },
    )
    assert.equal(status, 200, JSON.stringify(body))
    const offer = (body.hasPolicy as Record<string, unknown>[])[0]!
    const consumerPid = `urn:uuid:${randomUUID()}`
    return {
      consumerPid,
      message: {
        '@context': [DSP_CONTEXT],
        '@type': 'ContractRequestMessage',
        consumerPid,
        offer: { ...offer, '@type': 'Offer', target: datasetId },
        callbackAddress: `${foreign.url}/callback/`,
        ...extra,
      },
    }
  }

  /** The foreign consumer's callback acknowledges what the provider sends it. */
  function consume() {
    foreign.respond = (request) => {
      const transfer = /^\/callback\/transfers\/(.+)\/(start|completion|suspension|termination)$/.exec(
        request.path,
      )
      if (transfer !== null) {
        const state = {
          start: 'STARTED',
          completion: 'COMPLETED',
          suspension: 'SUSPENDED',
          termination: 'TERMINATED',
        }[transfer[2]!]!
        return {
          status: 200,
          body: {
            '@context': [DSP_CONTEXT],
            '@type': 'TransferProcess',
            providerPid: String(request.body.providerPid),
            consumerPid: transfer[1]!,
            state,
          },
        }
      }
      const match = /^\/callback\/negotiations\/(.+)\/(agreement|events|termination)$/.exec(request.path)
      if (match === null) return undefined
      const state = { agreement: 'AGREED', events: 'FINALIZED', termination: 'TERMINATED' }[match[2]!]!
      return { status: 200, body: ack(String(request.body.providerPid), match[1]!, state) }
    }
  }

  async function openNegotiation(datasetId: string): Promise<{ consumerPid: string; providerPid: string }> {
    consume()
    const { consumerPid, message } = await requestFor(datasetId)
    const opened = await foreign.call('POST', `${dspUrl.p}/negotiations/request`, {
      audience: did.p!,
      body: message,
    })
    assert.equal(opened.status, 201, JSON.stringify(opened.body))
    validateMessage('ContractNegotiation', opened.body)
    assert.equal(opened.body.consumerPid, consumerPid)
    assert.equal(opened.body.state, 'REQUESTED')
    return { consumerPid, providerPid: opened.body.providerPid as string }
  }

  const stateOf = async (providerPid: string) => {
    const { status, body } = await foreign.call(
      'GET',
      `${dspUrl.p}/negotiations/${encodeURIComponent(providerPid)}`,
      {
        audience: did.p!,
      },
    )
    assert.equal(status, 200, JSON.stringify(body))
    validateMessage('ContractNegotiation', body)
    return body.state
  }

  it('MET 01-01: /.well-known/dspace-version lists 2025-1 with path and binding, without a token', async () => {
    const root = new URL(dspUrl.p!).origin
    const { status, body } = await foreign.call('GET', `${root}/.well-known/dspace-version`)
    assert.equal(status, 200)
    validateMessage('VersionResponse', body)
    assert.deepEqual(
      (body.protocolVersions as { version: string; path: string; binding: string }[]).map((v) => [
        v.version,
        v.path,
        v.binding,
      ]),
      [['2025-1', '/dsp/2025-1', 'HTTPS']],
    )
  })

  it('CAT 01-01..03: catalog with the public datasets only, one dataset, unknown and members-only are 404', async () => {
    const catalog = await foreign.call('POST', `${dspUrl.p}/catalog/request`, {
      audience: did.p!,
      body: { '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage' },
    })
    assert.equal(catalog.status, 200, JSON.stringify(catalog.body))
    validateMessage('Catalog', catalog.body)
    assert.equal(catalog.body.participantId, did.p)
    const ids = (catalog.body.dataset as { '@id': string }[]).map((d) => d['@id'])
    assert.ok(ids.includes(dataset.open!) && ids.includes(dataset.purpose!))
    assert.ok(!ids.includes(dataset.members!), 'a non-member does not see the members-only dataset')
    const service = (catalog.body.service as { endpointURL: string }[])[0]!
    assert.equal(service.endpointURL, dspUrl.p)

    const one = await foreign.call(
      'GET',
      `${dspUrl.p}/catalog/datasets/${encodeURIComponent(dataset.open!)}`,
      {
        audience: did.p!,
      },
    )
    assert.equal(one.status, 200)
    validateMessage('Dataset', one.body)

    for (const id of ['urn:uuid:no-such-dataset', dataset.members!]) {
      const missing = await foreign.call('GET', `${dspUrl.p}/catalog/datasets/${encodeURIComponent(id)}`, {
        audience: did.p!,
      })
      assert.equal(missing.status, 404)
      validateMessage('CatalogError', missing.body)
    }
    const filtered = await foreign.call('POST', `${dspUrl.p}/catalog/request`, {
      audience: did.p!,
      body: { '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage', filter: [{ title: 'x' }] },
    })
    assert.equal(filtered.status, 400)
    validateMessage('CatalogError', filtered.body)
  })

  it('a missing, malformed, foreign-audience, expired or replayed token is 401 with an error body', async () => {
    const url = `${dspUrl.p}/catalog/request`
    const body = { '@context': [DSP_CONTEXT], '@type': 'CatalogRequestMessage' }
    const token = await foreign.token(did.p!)
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['malformed', 'Bearer not-a-jwt'],
      ['not bearer', `Basic ${token}`],
      ['other audience', `Bearer ${await foreign.token(foreign.did)}`],
      ['expired', `Bearer ${await foreign.token(did.p!, { now: new Date(Date.now() - 10 * 60_000) })}`],
    ]
    const first = await foreign.call('POST', url, { authorization: `Bearer ${token}`, body })
    assert.equal(first.status, 200)
    cases.push(['replayed', `Bearer ${token}`])
    for (const [what, authorization] of cases) {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(authorization === undefined ? {} : { authorization }),
        },
        body: JSON.stringify(body),
      })
      assert.equal(response.status, 401, what)
      const error = (await response.json()) as Record<string, unknown>
      validateMessage('CatalogError', error)
      assert.equal(error.code, 'ALLMENDE_NOT_AUTHENTICATED', what)
    }
    const negotiation = await fetch(`${dspUrl.p}/negotiations/urn:uuid:x`)
    assert.equal(negotiation.status, 401)
    validateMessage('ContractNegotiationError', await negotiation.json())
  })

  it('CN 01-04: req -> P agr -> C ver (no countersignature) -> P fin; listed and audited like any other', async () => {
    const { consumerPid, providerPid } = await openNegotiation(dataset.open!)
    const agreement = await foreign.received(
      (r) => r.path === `/callback/negotiations/${consumerPid}/agreement`,
      'the agreement at the callback',
    )
    assert.equal(agreement.caller, did.p, 'the provider authenticates with its ID token')
    const message = validateMessage('ContractAgreementMessage', agreement.body)
    assert.equal(message.providerPid, providerPid)
    assert.equal(message.agreement.assigner, did.p)
    assert.equal(message.agreement.assignee, foreign.did)
    assert.equal(message.agreement.target, dataset.open)
    assert.equal(await stateOf(providerPid), 'AGREED')

    const verified = await foreign.call(
      'POST',
      `${dspUrl.p}/negotiations/${encodeURIComponent(providerPid)}/agreement/verification`,
      {
        audience: did.p!,
        body: {
          '@context': [DSP_CONTEXT],
          '@type': 'ContractAgreementVerificationMessage',
          providerPid,
          consumerPid,
        },
      },
    )
    assert.equal(verified.status, 200, JSON.stringify(verified.body))
    validateMessage('ContractNegotiation', verified.body)
    const finalized = await foreign.received(
      (r) => r.path === `/callback/negotiations/${consumerPid}/events`,
      'the FINALIZED event',
    )
    assert.equal(validateMessage('ContractNegotiationEventMessage', finalized.body).eventType, 'FINALIZED')
    assert.equal(await stateOf(providerPid), 'FINALIZED')

    const record = await negotiationOn('p', providerPid)
    assert.equal(record.state, 'FINALIZED')
    assert.equal(record.agreementProof, 'verification-message')
    const { negotiations } = await api<{ negotiations: { id: string }[] }>('p', 'GET', '/api/v1/negotiations')
    assert.ok(negotiations.some((n) => n.id === providerPid))
    const agreementRecord = await api<{
      agreementProof: string
      consumer: string
      credential: Record<string, unknown>
    }>('p', 'GET', `/api/v1/agreements/${encodeURIComponent(message.agreement['@id'])}`)
    assert.equal(agreementRecord.agreementProof, 'verification-message')
    assert.equal(agreementRecord.consumer, foreign.did)
    const { entries } = await api<{
      entries: { type: string; subject: string; data: Record<string, unknown> }[]
    }>('p', 'GET', '/api/v1/audit')
    const verifiedEntry = entries.find((e) => e.subject === providerPid && e.type === 'negotiation.verified')
    assert.ok(verifiedEntry, 'the verification is in the audit log')
    assert.equal(verifiedEntry.data.agreementProof, 'verification-message')
    assert.equal(
      (verifiedEntry.data.verification as { '@type': string })['@type'],
      'ContractAgreementVerificationMessage',
    )

    foreignAgreement = message.agreement['@id']

    // contract prove/verify say what they hold: the provider's proof only
    const proofFile = join(root, 'proof-verification-message.json')
    const proved = await runAllmende([
      'contract',
      'prove',
      message.agreement['@id'],
      '--challenge',
      'pruefung-1',
      '--out',
      proofFile,
      '--dir',
      dir('p'),
      '--json',
    ])
    assert.equal(proved.code, 0, proved.stderr)
    assert.equal(JSON.parse(proved.stdout).agreementProof, 'verification-message')
    const checked = await runAllmende([
      'contract',
      'verify',
      proofFile,
      '--challenge',
      'pruefung-1',
      '--json',
    ])
    assert.equal(checked.code, 1)
    assert.equal(JSON.parse(checked.stdout).agreementProof, 'provider-proof-only')
    const inWords = await runAllmende(['contract', 'verify', proofFile, '--challenge', 'pruefung-1'])
    assert.match(inWords.stdout, /provider's proof only/)

    // CN 03-01: a termination after FINALIZED is refused with 400 and changes nothing
    const late = await foreign.call(
      'POST',
      `${dspUrl.p}/negotiations/${encodeURIComponent(providerPid)}/termination`,
      {
        audience: did.p!,
        body: {
          '@context': [DSP_CONTEXT],
          '@type': 'ContractNegotiationTerminationMessage',
          providerPid,
          consumerPid,
          code: 'CHANGED_MIND',
        },
      },
    )
    assert.equal(late.status, 400)
    validateMessage('ContractNegotiationError', late.body)
    assert.equal(late.body.code, 'ALLMENDE_ILLEGAL_TRANSITION')
    assert.equal(await stateOf(providerPid), 'FINALIZED')
  })

  it('TP 01-02 HttpData-PULL: req -> P start with a dataAddress -> GET the data -> C complete; audited', async () => {
    assert.ok(foreignAgreement, 'CN 01-04 concluded an agreement')
    consume()
    const consumerPid = `urn:uuid:${randomUUID()}`
    const requested = await foreign.call('POST', `${dspUrl.p}/transfers/request`, {
      audience: did.p!,
      body: {
        '@context': [DSP_CONTEXT],
        '@type': 'TransferRequestMessage',
        consumerPid,
        agreementId: foreignAgreement,
        format: 'HttpData-PULL',
        callbackAddress: `${foreign.url}/callback`,
      },
    })
    assert.equal(requested.status, 201, JSON.stringify(requested.body))
    validateMessage('TransferProcess', requested.body)
    const providerPid = String(requested.body.providerPid)
    const start = await foreign.received(
      (r) => r.path === `/callback/transfers/${consumerPid}/start`,
      'the TransferStartMessage at the callback',
    )
    assert.equal(start.caller, did.p)
    const message = validateMessage('TransferStartMessage', start.body)
    const address = message.dataAddress!
    assert.equal(address.endpointType, 'https://w3id.org/idsa/v4.1/HTTP')
    const property = (name: string) => address.endpointProperties?.find((p) => p.name === name)?.value
    assert.equal(property('authType'), 'bearer')
    const data = await fetch(address.endpoint!, {
      headers: { authorization: `Bearer ${property('authorization')}` },
    })
    assert.equal(data.status, 200)
    assert.deepEqual(JSON.parse(await data.text()), [{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }])
    const noToken = await fetch(address.endpoint!)
    assert.equal(noToken.status, 401)
    const replayed = await fetch(address.endpoint!, {
      headers: { authorization: `Bearer ${property('authorization')}` },
    })
    assert.equal(replayed.status, 403, 'an access token is good for one request')

    const transferUrl = `${dspUrl.p}/transfers/${encodeURIComponent(providerPid)}`
    const state = async () => (await foreign.call('GET', transferUrl, { audience: did.p! })).body.state
    assert.equal(await state(), 'STARTED')
    const pids = { providerPid, consumerPid }
    const completed = await foreign.call('POST', `${transferUrl}/completion`, {
      audience: did.p!,
      body: { '@context': [DSP_CONTEXT], '@type': 'TransferCompletionMessage', ...pids },
    })
    assert.equal(completed.status, 200, JSON.stringify(completed.body))
    assert.equal(await state(), 'COMPLETED')
    const unknown = await foreign.call('GET', `${dspUrl.p}/transfers/urn:uuid:${randomUUID()}`, {
      audience: did.p!,
    })
    assert.equal(unknown.status, 404)
    validateMessage('TransferError', unknown.body)
    const { entries } = await api<{ entries: { type: string; subject: string }[] }>(
      'p',
      'GET',
      '/api/v1/audit',
    )
    assert.ok(entries.some((e) => e.subject === providerPid && e.type === 'transfer.access'))
  })

  it('CN 03-02 over HTTP: a refused move answers 400 with a ContractNegotiationError naming the pids; a pid other than the path is 400', async () => {
    // Which moves are refused is the binding suite's (test/integration/bindings); here the HTTP shape.
    const { consumerPid, providerPid } = await openNegotiation(dataset.held!)
    const pids = { providerPid, consumerPid }
    const refused = await foreign.call(
      'POST',
      `${dspUrl.p}/negotiations/${encodeURIComponent(providerPid)}/events`,
      {
        audience: did.p!,
        body: {
          '@context': [DSP_CONTEXT],
          '@type': 'ContractNegotiationEventMessage',
          ...pids,
          eventType: 'ACCEPTED',
        },
      },
    )
    assert.equal(refused.status, 400, JSON.stringify(refused.body))
    validateMessage('ContractNegotiationError', refused.body)
    assert.equal(refused.body.providerPid, providerPid)
    assert.equal(refused.body.consumerPid, consumerPid)
    assert.equal(await stateOf(providerPid), 'REQUESTED')
    const mismatch = await foreign.call(
      'POST',
      `${dspUrl.p}/negotiations/${encodeURIComponent(providerPid)}/termination`,
      {
        audience: did.p!,
        body: {
          '@context': [DSP_CONTEXT],
          '@type': 'ContractNegotiationTerminationMessage',
          providerPid: 'urn:uuid:other',
          consumerPid,
        },
      },
    )
    assert.equal(mismatch.status, 400)
    validateMessage('ContractNegotiationError', mismatch.body)
    assert.equal(await stateOf(providerPid), 'REQUESTED')
  })

  it('unknown pids and negotiations of another party are 404; a bad message is 400', async () => {
    const unknown = await foreign.call('GET', `${dspUrl.p}/negotiations/urn:uuid:${randomUUID()}`, {
      audience: did.p!,
    })
    assert.equal(unknown.status, 404)
    validateMessage('ContractNegotiationError', unknown.body)
    const { providerPid } = await openNegotiation(dataset.open!)
    const stranger = new ForeignParty(await generateNodeKey())
    const theirs = await stranger.call('GET', `${dspUrl.p}/negotiations/${encodeURIComponent(providerPid)}`, {
      audience: did.p!,
    })
    assert.equal(theirs.status, 404, 'not yours looks like unknown')
    const bad = await foreign.call('POST', `${dspUrl.p}/negotiations/request`, {
      audience: did.p!,
      body: { '@context': [DSP_CONTEXT], '@type': 'ContractRequestMessage', consumerPid: 'urn:uuid:x' },
    })
    assert.equal(bad.status, 400)
    validateMessage('ContractNegotiationError', bad.body)
    assert.match(String((bad.body.reason as string[])[0]), /offer/)
    const { message } = await requestFor(dataset.open!, { callbackAddress: '/p2p/12D3KooWNotHttp' })
    const noCallback = await foreign.call('POST', `${dspUrl.p}/negotiations/request`, {
      audience: did.p!,
      body: message,
    })
    assert.equal(noCallback.status, 400)
    assert.match(String((noCallback.body.reason as string[])[0]), /callbackAddress/)
  })

  // ---- our consumer, the foreign party provides ------------------------------------------------

  const foreignDataset = 'urn:uuid:7a1c3f0e-foreign-dataset'
  const foreignOffer = { '@id': 'urn:foreign:offer:1', '@type': 'Offer', permission: [{ action: 'use' }] }
  type Script = 'agree' | 'finalize-early' | 'terminate'
  /** The agreement C concluded with the foreign provider in CN_C 01-04 (for the transfers from it). */
  let foreignProvided: string | undefined

  /** The foreign provider: catalog, dataset, and negotiations scripted per run. */
  function provide(script: Script) {
    const base = `${foreign.url}/dsp/2025-1`
    const negotiations = new Map<string, { consumerPid: string; callback: string; consumer: string }>()
    const post = (callback: string, path: string, consumer: string, body: object) =>
      foreign.call('POST', `${callback.replace(/\/$/, '')}${path}`, { audience: consumer, body })
    foreign.respond = (request) => {
      if (request.path === '/dsp/2025-1/catalog/request') {
        return {
          status: 200,
          body: {
            '@context': [DSP_CONTEXT],
            '@id': 'urn:foreign:catalog',
            '@type': 'Catalog',
            participantId: foreign.did,
            service: [{ '@id': 'urn:foreign:dsp', '@type': 'DataService', endpointURL: base }],
            dataset: [
              {
                '@id': foreignDataset,
                '@type': 'Dataset',
                hasPolicy: [foreignOffer],
                distribution: [
                  { '@type': 'Distribution', format: 'HttpData-PULL', accessService: 'urn:foreign:dsp' },
                ],
              },
            ],
          },
        }
      }
      if (request.path === `/dsp/2025-1/catalog/datasets/${foreignDataset}`) {
        return {
          status: 200,
          body: {
            '@context': [DSP_CONTEXT],
            '@id': foreignDataset,
            '@type': 'Dataset',
            hasPolicy: [foreignOffer],
            distribution: [
              {
                '@type': 'Distribution',
                format: 'HttpData-PULL',
                accessService: { '@id': 'urn:foreign:dsp', '@type': 'DataService', endpointURL: base },
              },
            ],
          },
        }
      }
      if (request.path === '/dsp/2025-1/negotiations/request') {
        const message = validateMessage('ContractRequestMessage', request.body)
        const providerPid = `urn:uuid:${randomUUID()}`
        const callback = message.callbackAddress!
        negotiations.set(providerPid, {
          consumerPid: message.consumerPid,
          callback,
          consumer: request.caller!,
        })
        const pids = { providerPid, consumerPid: message.consumerPid }
        setTimeout(() => {
          if (script === 'terminate') {
            void post(callback, `/negotiations/${message.consumerPid}/termination`, request.caller!, {
              '@context': [DSP_CONTEXT],
              '@type': 'ContractNegotiationTerminationMessage',
              ...pids,
              code: 'DATASET_WITHDRAWN',
              reason: ['the dataset is no longer offered'],
            })
          } else {
            void (async () => {
              if (script === 'finalize-early') {
                const early = await post(
                  callback,
                  `/negotiations/${message.consumerPid}/events`,
                  request.caller!,
                  {
                    '@context': [DSP_CONTEXT],
                    '@type': 'ContractNegotiationEventMessage',
                    ...pids,
                    eventType: 'FINALIZED',
                  },
                )
                foreign.requests.push({
                  method: 'RESULT',
                  path: 'finalize-early',
                  body: early as never,
                  caller: undefined,
                })
                return
              }
              await post(callback, `/negotiations/${message.consumerPid}/agreement`, request.caller!, {
                '@context': [DSP_CONTEXT],
                '@type': 'ContractAgreementMessage',
                ...pids,
                agreement: {
                  '@id': `urn:uuid:${randomUUID()}`,
                  '@type': 'Agreement',
                  target: foreignDataset,
                  assigner: foreign.did,
                  assignee: request.caller!,
                  timestamp: new Date().toISOString(),
                  permission: [{ action: 'use' }],
                },
              })
            })()
          }
        }, 20)
        return { status: 201, body: ack(providerPid, message.consumerPid, 'REQUESTED') }
      }
      const verification = /^\/dsp\/2025-1\/negotiations\/(.+)\/agreement\/verification$/.exec(request.path)
      if (verification !== null) {
        const providerPid = verification[1]!
        const negotiation = negotiations.get(providerPid)!
        validateMessage('ContractAgreementVerificationMessage', request.body)
        setTimeout(
          () =>
            void post(
              negotiation.callback,
              `/negotiations/${negotiation.consumerPid}/events`,
              negotiation.consumer,
              {
                '@context': [DSP_CONTEXT],
                '@type': 'ContractNegotiationEventMessage',
                providerPid,
                consumerPid: negotiation.consumerPid,
                eventType: 'FINALIZED',
              },
            ),
          20,
        )
        return { status: 200, body: ack(providerPid, negotiation.consumerPid, 'VERIFIED') }
      }
      const termination = /^\/dsp\/2025-1\/negotiations\/(.+)\/termination$/.exec(request.path)
      if (termination !== null) {
        const negotiation = negotiations.get(termination[1]!)!
        return { status: 200, body: ack(termination[1]!, negotiation.consumerPid, 'TERMINATED') }
      }
      return undefined
    }
    return foreign.url
  }

  const negotiateWithForeign = async (providerUrl: string) => {
    const result = await runAllmende([
      'negotiate',
      '--dir',
      dir('c'),
      '--provider-url',
      providerUrl,
      '--dataset',
      foreignDataset,
      '--wait',
      '--json',
    ])
    return {
      code: result.code,
      summary: JSON.parse(result.stdout || '{}') as Record<string, string>,
      stderr: result.stderr,
    }
  }

  it('CN_C 01-04: negotiate --provider-url: req -> P agr -> C ver -> P fin against a foreign provider', async () => {
    // the root URL: the consumer finds /dsp/2025-1 through /.well-known/dspace-version
    const { code, summary, stderr } = await negotiateWithForeign(provide('agree'))
    assert.equal(code, 0, stderr + JSON.stringify(summary))
    assert.equal(summary.state, 'FINALIZED')
    const request = foreign.requests.find((r) => r.path === '/dsp/2025-1/negotiations/request')!
    assert.equal(request.caller, did.c)
    assert.equal(request.body.callbackAddress, dspUrl.c)
    const verification = foreign.requests.find((r) => r.path.endsWith('/agreement/verification'))!
    assert.equal(verification.caller, did.c)
    assert.equal(verification.body['https://w3id.org/allmende#agreementCredential'], undefined)
    const record = await negotiationOn('c', summary.negotiation!)
    assert.equal(record.agreementProof, 'agreement-message')
    assert.equal(record.callbackAddress, `${foreign.url}/dsp/2025-1`)
    const agreement = await api<{ agreementProof: string; provider: string; agreement: { target: string } }>(
      'c',
      'GET',
      `/api/v1/agreements/${encodeURIComponent(summary.agreement!)}`,
    )
    assert.equal(agreement.provider, foreign.did)
    assert.equal(agreement.agreement.target, foreignDataset)
    foreignProvided = summary.agreement
    const prove = await runAllmende([
      'contract',
      'prove',
      summary.agreement!,
      '--challenge',
      'x',
      '--out',
      join(root, 'none.json'),
      '--dir',
      dir('c'),
    ])
    assert.equal(prove.code, 2)
    assert.match(prove.stderr, /issues no agreement credential/)
  })

  it('CN_C 02-01: req -> P term ends TERMINATED with the provider reason', async () => {
    const { code, summary } = await negotiateWithForeign(provide('terminate'))
    assert.equal(code, 1)
    assert.equal(summary.state, 'TERMINATED')
    assert.equal(summary.code, 'DATASET_WITHDRAWN')
  })

  it('CN_C 03-01: FINALIZED right after the request is refused with 400; an unknown pid is 404', async () => {
    const result = runAllmende([
      'negotiate',
      '--dir',
      dir('c'),
      '--provider-url',
      provide('finalize-early'),
      '--dataset',
      foreignDataset,
      '--json',
    ])
    const early = await foreign.received(
      (r) => r.path === 'finalize-early',
      'the answer to the early FINALIZED',
    )
    const answer = early.body as unknown as { status: number; body: Record<string, unknown> }
    assert.equal(answer.status, 400)
    validateMessage('ContractNegotiationError', answer.body)
    const { summary } = { summary: JSON.parse((await result).stdout) as Record<string, string> }
    assert.equal((await negotiationOn('c', summary.negotiation!)).state, 'REQUESTED')
    const unknown = await foreign.call('POST', `${dspUrl.c}/negotiations/urn:uuid:nothing/agreement`, {
      audience: did.c!,
      body: {
        '@context': [DSP_CONTEXT],
        '@type': 'ContractNegotiationEventMessage',
        providerPid: 'urn:uuid:a',
        consumerPid: 'urn:uuid:nothing',
        eventType: 'FINALIZED',
      },
    })
    assert.equal(unknown.status, 404)
  })

  /**
   * The foreign provider's transfer process and data plane: each (repeated) TransferRequestMessage
   * is answered 201 and followed by a TransferStartMessage with a fresh single-use token for
   * `GET /data/:providerPid`. The first GET of each transfer breaks off after `cut` bytes; with
   * `ranges` off the data plane ignores `Range` and always answers 200 from byte 0.
   */
  function provideData(content: Buffer, options: { ranges: boolean; cut: number }) {
    const transfers = new Map<string, { consumerPid: string; callback: string; consumer: string }>()
    const byConsumer = new Map<string, string>()
    const tokens = new Map<string, string>()
    const gets: { providerPid: string; range: string | undefined; status: number }[] = []
    const moves: Recorded[] = []
    const post = (callback: string, path: string, consumer: string, body: object) =>
      foreign.call('POST', `${callback.replace(/\/$/, '')}${path}`, { audience: consumer, body })
    foreign.data = (req, res) => {
      const path = new URL(req.url ?? '/', foreign.url).pathname
      if (!path.startsWith('/data/')) return false
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '')
      const providerPid = tokens.get(token)
      tokens.delete(token)
      if (providerPid === undefined || decodeURIComponent(path.slice(6)) !== providerPid) {
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ code: 'FORBIDDEN', reason: ['unknown or spent token'] }))
        return true
      }
      const range = req.headers.range
      const first = !gets.some((g) => g.providerPid === providerPid)
      const start = options.ranges && range !== undefined ? Number(/^bytes=(\d+)-$/.exec(range)![1]) : 0
      const status = start > 0 ? 206 : 200
      gets.push({ providerPid, range, status })
      res.writeHead(status, {
        'content-type': 'application/octet-stream',
        'content-length': String(content.byteLength - start),
        ...(status === 206
          ? { 'content-range': `bytes ${start}-${content.byteLength - 1}/${content.byteLength}` }
          : {}),
      })
      if (first) {
        // a broken connection in the middle of the content
        res.write(content.subarray(start, start + options.cut), () =>
          setTimeout(() => res.socket?.destroy(), 50),
        )
      } else {
        res.end(content.subarray(start))
      }
      return true
    }
    foreign.respond = (request) => {
      if (request.path === '/dsp/2025-1/transfers/request') {
        const message = validateMessage('TransferRequestMessage', request.body)
        const providerPid = byConsumer.get(message.consumerPid) ?? `urn:uuid:${randomUUID()}`
        byConsumer.set(message.consumerPid, providerPid)
        const transfer = {
          consumerPid: message.consumerPid,
          callback: message.callbackAddress,
          consumer: request.caller!,
        }
        transfers.set(providerPid, transfer)
        const token = randomUUID()
        tokens.set(token, providerPid)
        const start = validateMessage('TransferStartMessage', {
          '@context': [DSP_CONTEXT],
          '@type': 'TransferStartMessage',
          providerPid,
          consumerPid: transfer.consumerPid,
          dataAddress: {
            '@type': 'DataAddress',
            endpointType: 'https://w3id.org/idsa/v4.1/HTTP',
            endpoint: `${foreign.url}/data/${encodeURIComponent(providerPid)}`,
            endpointProperties: [
              { '@type': 'EndpointProperty', name: 'authorization', value: token },
              { '@type': 'EndpointProperty', name: 'authType', value: 'bearer' },
            ],
          },
        })
        setTimeout(
          () =>
            void post(
              transfer.callback,
              `/transfers/${transfer.consumerPid}/start`,
              transfer.consumer,
              start,
            ),
          20,
        )
        return {
          status: 201,
          body: {
            '@context': [DSP_CONTEXT],
            '@type': 'TransferProcess',
            providerPid,
            consumerPid: transfer.consumerPid,
            state: 'REQUESTED',
          },
        }
      }
      const move = /^\/dsp\/2025-1\/transfers\/(.+)\/(completion|termination)$/.exec(request.path)
      if (move !== null && transfers.has(move[1]!)) {
        moves.push(request)
        return {
          status: 200,
          body: {
            '@context': [DSP_CONTEXT],
            '@type': 'TransferProcess',
            providerPid: move[1]!,
            consumerPid: transfers.get(move[1]!)!.consumerPid,
            state: move[2] === 'completion' ? 'COMPLETED' : 'TERMINATED',
          },
        }
      }
      return undefined
    }
    return { transfers, byConsumer, gets, moves }
  }

  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

  for (const ranges of [true, false]) {
    it(`TP_C 01: transfer --agreement from a foreign provider: HttpData-PULL, broken off, resumed ${ranges ? 'with Range (206)' : 'against 200 by skipping'}, completion sent`, async () => {
      assert.ok(foreignProvided, 'CN_C 01-04 concluded an agreement')
      const content = randomBytes(3 * 1024 * 1024 + 17)
      const provider = provideData(content, { ranges, cut: 1024 * 1024 + 5 })
      const out = join(root, 'downloads', `foreign-${ranges}.bin`)
      const result = await runAllmende(
        [
          'transfer',
          '--dir',
          dir('c'),
          '--agreement',
          foreignProvided!,
          '--out',
          out,
          '--json',
          '--timeout',
          '60',
        ],
        { timeoutMs: 90_000 },
      )
      assert.equal(result.code, 0, result.stdout + result.stderr)
      const summary = JSON.parse(result.stdout) as {
        transfer: string
        state: string
        bytes: number
        sha256: string
      }
      assert.equal(summary.state, 'COMPLETED')
      assert.equal(summary.bytes, content.byteLength)
      assert.equal(summary.sha256, sha256(content))
      assert.equal(sha256(await readFile(out)), sha256(content))
      // the request went to the provider's DSP base with C's own DSP base as callback
      const [providerPid] = [...provider.transfers.keys()]
      assert.equal(provider.transfers.size, 1)
      const request = foreign.requests.find(
        (r) => r.path === '/dsp/2025-1/transfers/request' && r.body.consumerPid === summary.transfer,
      )!
      assert.equal(request.caller, did.c)
      assert.equal(request.body.format, 'HttpData-PULL')
      assert.equal(request.body.callbackAddress, dspUrl.c)
      // broken off once, then resumed after what C held: from byte N > 0
      assert.equal(provider.gets.length, 2, JSON.stringify(provider.gets))
      assert.equal(provider.gets[0]!.range, undefined)
      const resumedAt = Number(/^bytes=(\d+)-$/.exec(provider.gets[1]!.range ?? '')?.[1])
      assert.ok(resumedAt > 0 && resumedAt <= 1024 * 1024 + 5, `resumed at ${provider.gets[1]!.range}`)
      assert.equal(provider.gets[1]!.status, ranges ? 206 : 200)
      // the provider received the completion message from C, for its own process
      const completion = await foreign.received(
        (r) => r.path === `/dsp/2025-1/transfers/${providerPid}/completion`,
        'the TransferCompletionMessage',
      )
      assert.equal(completion.caller, did.c)
      const message = validateMessage('TransferCompletionMessage', completion.body)
      assert.equal(message.consumerPid, summary.transfer)
      assert.equal(provider.moves.length, 1)
      // completed without a receipt (the foreign data plane signs none): the log still verifies
      const { entries } = await api<{
        entries: { type: string; subject: string; data: Record<string, unknown> }[]
      }>('c', 'GET', '/api/v1/audit')
      const completed = entries.find(
        (e) => e.subject === summary.transfer && e.type === 'transfer.completed',
      )!
      assert.equal(completed.data.receivedSha256, sha256(content))
      const verified = await runAllmende(['audit', 'verify', '--receipts', '--dir', dir('c')])
      assert.equal(verified.code, 0, verified.stdout + verified.stderr)
    })
  }

  it('TP_C 02: a refused data request (403) terminates the transfer with the reason and tells the provider', async () => {
    assert.ok(foreignProvided, 'CN_C 01-04 concluded an agreement')
    const provider = provideData(randomBytes(1000), { ranges: true, cut: 10 })
    // every token is refused
    const data = foreign.data
    foreign.data = (req, res) => {
      if (!new URL(req.url ?? '/', foreign.url).pathname.startsWith('/data/')) return data(req, res)
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ code: 'FORBIDDEN', reasonCode: 'POLICY_DENIED', reason: ['not today'] }))
      return true
    }
    const out = join(root, 'downloads', 'foreign-refused.bin')
    const result = await runAllmende([
      'transfer',
      '--dir',
      dir('c'),
      '--agreement',
      foreignProvided!,
      '--out',
      out,
      '--json',
      '--timeout',
      '30',
    ])
    assert.equal(result.code, 1, result.stdout + result.stderr)
    const summary = JSON.parse(result.stdout) as { state: string; code: string; reason: string }
    assert.equal(summary.state, 'TERMINATED')
    assert.equal(summary.code, 'POLICY_DENIED')
    assert.match(summary.reason, /not today/)
    const [providerPid] = [...provider.transfers.keys()]
    const termination = await foreign.received(
      (r) => r.path === `/dsp/2025-1/transfers/${providerPid}/termination`,
      'the TransferTerminationMessage',
    )
    assert.equal(validateMessage('TransferTerminationMessage', termination.body).code, 'POLICY_DENIED')
  })
})
