import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ApiServer, vcApiRoutes } from '../../src/api/index.js'
import {
  ALLMENDE_CONTEXT_V1,
  addProof,
  CREDENTIALS_CONTEXT_V2,
  type JsonLdObject,
  presentCredentials,
} from '../../src/credentials/index.js'
import { type NodeKey, nodeKeyFromSeed } from '../../src/identity/index.js'
import { createSilentLogger } from '../../src/log/index.js'
import { repoRoot } from '../support/repo.js'

/**
 * VC Data Model 2.0 cases, written for Allmende along the categories of the public W3C data-model
 * test suite (contexts, types, identifiers, names, issuer, subject, validity, status, schemas,
 * refresh, terms of use, evidence, related resources, presentations), run through the VC-API
 * endpoints of a real management API on 127.0.0.1. Refusals on issue must come before signing;
 * refusals on verify are checked on credentials signed outside Allmende's own checks.
 */

const TOKEN = 'vc-api-test-token'
const DAY = 86_400_000

interface Case {
  readonly category: string
  readonly name: string
  /** `issue`: POST /credentials/issue; `verify`: signed with a bare proof, POST /credentials/verify. */
  readonly via: 'issue' | 'verify'
  readonly credential: (issuer: string) => JsonLdObject
  readonly accept: boolean
}

function base(issuer: string, extra: JsonLdObject = {}): JsonLdObject {
  return {
    '@context': [CREDENTIALS_CONTEXT_V2, ALLMENDE_CONTEXT_V1],
    id: 'urn:uuid:2f7e3c1a-5b0d-4c8e-9a61-0d3b6f2e8c11',
    type: ['VerifiableCredential', 'DataSpaceMembershipCredential'],
    issuer,
    validFrom: new Date(Date.now() - DAY).toISOString(),
    validUntil: new Date(Date.now() + 30 * DAY).toISOString(),
    credentialSubject: { id: 'did:example:kusel', memberRole: 'member' },
    ...extra,
  }
}

function without(credential: JsonLdObject, field: string): JsonLdObject {
  const copy = { ...credential }
  delete copy[field]
  return copy
}

const allmendeContextSri = `sha384-${createHash('sha384')
  .update(readFileSync(join(repoRoot(), 'spec', 'contexts', 'allmende-v1.jsonld')))
  .digest('base64')}`

/** Each rule once on issue (the node refuses to sign) and, where it matters, once on verify. */
function cases(): Case[] {
  const both = (category: string, name: string, credential: Case['credential'], accept: boolean): Case[] => [
    { category, name, via: 'issue', credential, accept },
    { category, name, via: 'verify', credential, accept },
  ]
  return [
    ...both('contexts', 'VC 2.0 context first', (i) => base(i), true),
    ...both(
      'contexts',
      'another context first',
      (i) => base(i, { '@context': [ALLMENDE_CONTEXT_V1, CREDENTIALS_CONTEXT_V2] }),
      false,
    ),
    ...both(
      'contexts',
      'a context that is neither URL nor object',
      (i) => base(i, { '@context': [CREDENTIALS_CONTEXT_V2, 42] }),
      false,
    ),
    ...both('types', 'no type', (i) => without(base(i), 'type'), false),
    ...both(
      'types',
      'type without VerifiableCredential',
      (i) => base(i, { type: ['MembershipThing'] }),
      false,
    ),
    ...both(
      'types',
      'a type that is not a string',
      (i) => base(i, { type: ['VerifiableCredential', 7] }),
      false,
    ),
    ...both('identifiers', 'id that is not a URL', (i) => base(i, { id: 'not a url' }), false),
    ...both('identifiers', 'no id at all', (i) => without(base(i), 'id'), true),
    ...both(
      'names',
      'name and description as strings',
      (i) => base(i, { name: 'Mitglied', description: 'x' }),
      true,
    ),
    ...both(
      'names',
      'name as language value objects',
      (i) =>
        base(i, {
          name: [
            { '@value': 'Mitglied', '@language': 'de' },
            { '@value': 'Member', '@language': 'en' },
          ],
        }),
      true,
    ),
    ...both('names', 'name as a number', (i) => base(i, { name: 5 }), false),
    {
      category: 'issuer',
      name: 'issuer null',
      via: 'issue',
      credential: (i) => base(i, { issuer: null }),
      accept: false,
    },
    {
      category: 'issuer',
      name: 'issuer missing',
      via: 'issue',
      credential: (i) => without(base(i), 'issuer'),
      accept: false,
    },
    {
      category: 'issuer',
      name: 'a foreign issuer',
      via: 'issue',
      credential: (i) => base(i, { issuer: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' }),
      accept: false,
    },
    ...both(
      'issuer',
      'issuer as an object with id and name',
      (i) => base(i, { issuer: { id: i, name: 'Kusel' } }),
      true,
    ),
    ...both('issuer', 'issuer object without id', (i) => base(i, { issuer: { name: 'Kusel' } }), false),
    ...both('subject', 'no credentialSubject', (i) => without(base(i), 'credentialSubject'), false),
    ...both('subject', 'an empty credentialSubject', (i) => base(i, { credentialSubject: {} }), false),
    ...both(
      'subject',
      'a subject id that is not a URL',
      (i) => base(i, { credentialSubject: { id: 'kusel' } }),
      false,
    ),
    ...both(
      'subject',
      'two subjects',
      (i) =>
        base(i, {
          credentialSubject: [
            { id: 'did:example:a', memberRole: 'x' },
            { id: 'did:example:b', memberRole: 'y' },
          ],
        }),
      true,
    ),
    ...both(
      'validity',
      'validFrom without a time zone',
      (i) => base(i, { validFrom: '2026-01-01T00:00:00' }),
      false,
    ),
    ...both('validity', 'validUntil that is not a date', (i) => base(i, { validUntil: 'soon' }), false),
    ...both(
      'validity',
      'a time zone offset',
      (i) => base(i, { validFrom: '2026-01-01T00:00:00+01:00' }),
      true,
    ),
    {
      category: 'validity',
      name: 'expired',
      via: 'verify',
      credential: (i) => base(i, { validFrom: '2025-01-01T00:00:00Z', validUntil: '2025-02-01T00:00:00Z' }),
      accept: false,
    },
    ...both(
      'status',
      'credentialStatus without type',
      (i) => base(i, { credentialStatus: { id: 'https://example.org/s#1' } }),
      false,
    ),
    ...both(
      'status',
      'a typed credentialStatus on a list this node cannot reach (verified, with a warning)',
      (i) =>
        base(i, { credentialStatus: { id: 'https://example.org/s#1', type: 'urn:example:StatusEntry' } }),
      true,
    ),
    ...both(
      'schemas',
      'credentialSchema with id and type',
      (i) => base(i, { credentialSchema: { id: 'https://example.org/schema.json', type: 'JsonSchema' } }),
      true,
    ),
    ...both(
      'schemas',
      'credentialSchema without type',
      (i) => base(i, { credentialSchema: { id: 'https://example.org/s.json' } }),
      false,
    ),
    ...both(
      'schemas',
      'credentialSchema without id',
      (i) => base(i, { credentialSchema: { type: 'JsonSchema' } }),
      false,
    ),
    ...both(
      'refresh',
      'refreshService with type',
      (i) => base(i, { refreshService: { id: 'https://example.org/refresh', type: 'urn:example:Refresh' } }),
      true,
    ),
    ...both(
      'refresh',
      'refreshService without type',
      (i) => base(i, { refreshService: { id: 'https://example.org/refresh' } }),
      false,
    ),
    ...both(
      'terms of use',
      'termsOfUse without type',
      (i) => base(i, { termsOfUse: { id: 'https://example.org/tou' } }),
      false,
    ),
    ...both(
      'evidence',
      'evidence without type',
      (i) => base(i, { evidence: { id: 'https://example.org/ev' } }),
      false,
    ),
    ...both(
      'related resources',
      'a related context with its matching digest',
      (i) => base(i, { relatedResource: [{ id: ALLMENDE_CONTEXT_V1, digestSRI: allmendeContextSri }] }),
      true,
    ),
    ...both(
      'related resources',
      'a related context whose digest does not match',
      (i) =>
        base(i, {
          relatedResource: [
            {
              id: ALLMENDE_CONTEXT_V1,
              digestSRI: `sha384-${createHash('sha384').update('x').digest('base64')}`,
            },
          ],
        }),
      false,
    ),
    ...both(
      'related resources',
      'a related resource without id',
      (i) => base(i, { relatedResource: [{ digestSRI: allmendeContextSri }] }),
      false,
    ),
    ...both(
      'related resources',
      'a related resource without digest',
      (i) => base(i, { relatedResource: [{ id: 'https://example.org/logo.png' }] }),
      false,
    ),
    ...both(
      'related resources',
      'the same related resource twice',
      (i) =>
        base(i, {
          relatedResource: [
            { id: ALLMENDE_CONTEXT_V1, digestSRI: allmendeContextSri },
            { id: ALLMENDE_CONTEXT_V1, digestSRI: allmendeContextSri },
          ],
        }),
      false,
    ),
  ]
}

describe('VC-API on the management API: VC 2.0 data model, issue and verify', () => {
  let key: NodeKey
  let holder: NodeKey
  let api: ApiServer
  let url: string
  const post = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    })
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> }
  }
  const issue = async (credential: JsonLdObject) => post('/credentials/issue', { credential }, TOKEN)

  before(async () => {
    key = await nodeKeyFromSeed(new Uint8Array(32).fill(21))
    holder = await nodeKeyFromSeed(new Uint8Array(32).fill(22))
    api = new ApiServer(createSilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      routes: [(router) => vcApiRoutes(router, { key })],
      // The cases below are many requests from one address; the flood test uses the defaults.
      openRate: { perSecond: 1000, burst: 1000 },
    })
    url = await api.start()
  })
  after(() => api.stop())

  it('runs every data-model case through the endpoints and reports how many pass', async () => {
    const failed: string[] = []
    const all = cases()
    for (const c of all) {
      const credential = c.credential(key.did)
      let status: number
      if (c.via === 'issue') {
        status = (await issue(credential)).status
        if (c.accept && status === 201) {
          const signed = (await issue(credential)).body.verifiableCredential
          status =
            (await post('/credentials/verify', { verifiableCredential: signed })).status === 200 ? 201 : 0
        }
        if ((status === 201) !== c.accept) failed.push(`issue ${c.category}: ${c.name} -> ${status}`)
      } else {
        // Signed by the key without Allmende's issue-time checks, as another implementation might;
        // where JSON-LD itself cannot sign it, it carries a proof copied from a valid credential.
        const signed = await addProof(credential, key).catch(async () => ({
          ...credential,
          proof: (await addProof(base(key.did), key)).proof,
        }))
        const answer = await post('/credentials/verify', { verifiableCredential: signed })
        const check = (answer.body.errors as { check?: string }[])[0]?.check
        const byModel = check === 'data-model' || check === 'malformed' || check === 'expired'
        if (c.accept ? answer.status !== 200 : answer.status !== 400 || !byModel) {
          failed.push(`verify ${c.category}: ${c.name} -> ${answer.status} ${check ?? ''}`)
        }
      }
    }
    console.log(`VC 2.0 data-model cases: ${all.length - failed.length} of ${all.length} pass`)
    assert.deepEqual(failed, [])
  })

  it('refuses to issue without the API token, and never signs a null issuer as the node', async () => {
    const open = await post('/credentials/issue', { credential: base(key.did) })
    assert.equal(open.status, 401)
    const nulled = await issue(base(key.did, { issuer: null }))
    assert.equal(nulled.status, 400)
    assert.equal((nulled.body.error as { code: string }).code, 'ALLMENDE_CREDENTIAL_ISSUER')
  })

  it('names the failed check on verify: a changed credential fails its signature', async () => {
    const signed = (await issue(base(key.did))).body.verifiableCredential as JsonLdObject
    const ok = await post('/credentials/verify', { verifiableCredential: signed })
    assert.equal(ok.status, 200)
    assert.deepEqual(ok.body.errors, [])
    assert.ok((ok.body.checks as string[]).includes('proof'))
    const changed = { ...signed, credentialSubject: { id: 'did:example:someone-else', memberRole: 'member' } }
    const bad = await post('/credentials/verify', { verifiableCredential: changed })
    assert.equal(bad.status, 400)
    assert.equal((bad.body.errors as { check: string }[])[0]!.check, 'signature')
  })

  it('verifies presentations: challenge and domain, holder, type, and the credentials inside', async () => {
    const signed = (await issue(base(key.did))).body.verifiableCredential as JsonLdObject
    const vp = await presentCredentials([signed], holder, { challenge: 'nonce-1', domain: 'kusel.de' })
    const verify = (presentation: unknown, options: JsonLdObject = {}) =>
      post('/presentations/verify', { verifiablePresentation: presentation, options })
    assert.equal((await verify(vp, { challenge: 'nonce-1', domain: 'kusel.de' })).status, 200)
    assert.equal((await verify(vp, { challenge: 'nonce-2' })).status, 400)
    assert.equal((await verify(vp, { domain: 'evil.example' })).status, 400)
    const untyped = await verify({ ...vp, type: ['Presentation'] }, { challenge: 'nonce-1' })
    assert.equal((untyped.body.errors as { check: string }[])[0]!.check, 'data-model')
    const badHolder = await verify({ ...vp, holder: 'Kusel' }, { challenge: 'nonce-1' })
    assert.equal((badHolder.body.errors as { check: string }[])[0]!.check, 'data-model')
    const badInner = await addProof(base(key.did, { validFrom: '2026-01-01T00:00:00' }), key)
    assert.equal(badInner.validFrom, '2026-01-01T00:00:00')
    const wrapping = await presentCredentials([badInner], holder, { challenge: 'n' })
    const refused = await verify(wrapping, { challenge: 'n' })
    assert.equal(refused.status, 400)
    assert.equal((refused.body.errors as { check: string }[])[0]!.check, 'data-model')
  })

  it('caps the open verify routes: 413 over 256 KiB, 429 with Retry-After to a flood', async () => {
    const guarded = new ApiServer(createSilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      token: TOKEN,
      routes: [(router) => vcApiRoutes(router, { key })],
    })
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${guardedUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
      await res.arrayBuffer()
      return { status: res.status, headers: res.headers }
    }
    const guardedUrl = await guarded.start()
    after(() => guarded.stop())
    const big = await post('/credentials/verify', { verifiableCredential: { pad: 'x'.repeat(300 * 1024) } })
    assert.equal(big.status, 413)
    const answers = await Promise.all(
      Array.from({ length: 100 }, () =>
        post('/credentials/verify', { verifiableCredential: 'not an object' }),
      ),
    )
    const limited = answers.filter((a) => a.status === 429)
    assert.ok(limited.length > 0, 'a flood of 100 parallel requests was never limited')
    assert.match(limited[0]!.headers.get('retry-after') ?? '', /^\d+$/)
    assert.ok(answers.every((a) => a.status === 429 || a.status === 400))
  })
})
