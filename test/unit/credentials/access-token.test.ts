import assert from 'node:assert/strict'
import { sign } from 'node:crypto'
import { describe, it } from 'node:test'
import { createJWT, type JWTHeader } from 'did-jwt'
import {
  issueAccessToken,
  issueIdToken,
  MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
  TokenError,
  type TokenFailure,
  TokenVerifier,
} from '../../../src/credentials/index.js'
import {
  buildDidWebDocument,
  DidResolver,
  didWebIdentity,
  type NodeKey,
} from '../../../src/identity/index.js'
import { parties } from './fixtures.js'

function refusedWith(reason: TokenFailure) {
  return (error: unknown) => {
    assert.ok(error instanceof TokenError, String(error))
    assert.equal(error.reason, reason, error.message)
    return true
  }
}

/** A token signed correctly but built by hand, to test what issueAccessToken refuses to build. */
async function handmadeToken(
  key: NodeKey,
  payload: Record<string, unknown>,
  typ = 'at+jwt',
): Promise<string> {
  const signer = async (data: string | Uint8Array) =>
    sign(null, Buffer.from(data), key.keyObject).toString('base64url')
  const header = { alg: 'EdDSA', kid: key.verificationMethod, typ } as unknown as Partial<JWTHeader>
  return createJWT(payload, { issuer: key.did, signer }, header)
}

describe('issueAccessToken / TokenVerifier.verifyAccessToken', () => {
  it('accepts a fresh token once and returns its claims', async () => {
    const { provider, consumer } = await parties()
    const token = await issueAccessToken(provider, {
      subject: consumer.did,
      audience: provider.did,
      agreementId: 'urn:uuid:a-1',
      transferProcessId: 'urn:uuid:t-1',
    })
    const verifier = new TokenVerifier({ audience: provider.did })
    const claims = await verifier.verifyAccessToken(token)
    assert.equal(claims.iss, provider.did)
    assert.equal(claims.sub, consumer.did)
    assert.equal(claims.agreementId, 'urn:uuid:a-1')
    assert.equal(claims.transferProcessId, 'urn:uuid:t-1')
    assert.ok(claims.exp - claims.iat <= MAX_ACCESS_TOKEN_LIFETIME_SECONDS)
  })

  it('refuses a replayed jti', async () => {
    const { provider, consumer } = await parties()
    const token = await issueAccessToken(provider, {
      subject: consumer.did,
      audience: 'dp',
      agreementId: 'urn:a',
    })
    const verifier = new TokenVerifier({ audience: 'dp' })
    await verifier.verifyAccessToken(token)
    await assert.rejects(verifier.verifyAccessToken(token), refusedWith('replay'))
  })

  it('refuses to issue or accept a lifetime over 10 minutes', async () => {
    const { provider, consumer } = await parties()
    await assert.rejects(
      issueAccessToken(provider, {
        subject: consumer.did,
        audience: 'dp',
        agreementId: 'urn:a',
        lifetimeSeconds: 601,
      }),
      refusedWith('lifetime'),
    )
    const iat = Math.floor(Date.now() / 1000)
    const long = await handmadeToken(provider, {
      sub: consumer.did,
      aud: 'dp',
      agreementId: 'urn:a',
      iat,
      exp: iat + 660,
      jti: 'j',
    })
    await assert.rejects(
      new TokenVerifier({ audience: 'dp' }).verifyAccessToken(long),
      refusedWith('lifetime'),
    )
  })

  it('refuses a tampered token', async () => {
    const { provider, consumer, stranger } = await parties()
    const token = await issueAccessToken(provider, {
      subject: consumer.did,
      audience: 'dp',
      agreementId: 'urn:a',
    })
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString())
    claims.sub = stranger.did
    const tampered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`
    await assert.rejects(
      new TokenVerifier({ audience: 'dp' }).verifyAccessToken(tampered),
      refusedWith('signature'),
    )
  })

  it('refuses a wrong audience', async () => {
    const { provider, consumer } = await parties()
    const token = await issueAccessToken(provider, {
      subject: consumer.did,
      audience: 'dp-a',
      agreementId: 'urn:a',
    })
    await assert.rejects(
      new TokenVerifier({ audience: 'dp-b' }).verifyAccessToken(token),
      refusedWith('audience'),
    )
  })

  it('refuses an expired token and one signed by a key of another DID than iss', async () => {
    const { provider, consumer, stranger } = await parties()
    const past = new Date(Date.now() - 3_600_000)
    const old = await issueAccessToken(provider, {
      subject: consumer.did,
      audience: 'dp',
      agreementId: 'urn:a',
      now: past,
    })
    await assert.rejects(new TokenVerifier({ audience: 'dp' }).verifyAccessToken(old), refusedWith('expired'))
    const iat = Math.floor(Date.now() / 1000)
    const signer = async (data: string | Uint8Array) =>
      sign(null, Buffer.from(data), stranger.keyObject).toString('base64url')
    const header = {
      alg: 'EdDSA',
      kid: stranger.verificationMethod,
      typ: 'at+jwt',
    } as unknown as Partial<JWTHeader>
    const impostor = await createJWT(
      { sub: consumer.did, aud: 'dp', agreementId: 'urn:a', iat, exp: iat + 60, jti: 'x' },
      { issuer: provider.did, signer },
      header,
    )
    await assert.rejects(
      new TokenVerifier({ audience: 'dp' }).verifyAccessToken(impostor),
      refusedWith('issuer'),
    )
  })

  it('verifies tokens of a did:web issuer through the resolver cache', async () => {
    const { provider, consumer } = await parties()
    const identity = didWebIdentity('kusel.de', provider)
    const token = await issueAccessToken(identity, {
      subject: consumer.did,
      audience: 'dp',
      agreementId: 'urn:a',
    })
    await assert.rejects(
      new TokenVerifier({ audience: 'dp', resolver: new DidResolver() }).verifyAccessToken(token),
      refusedWith('unresolvable-did'),
    )
    const resolver = new DidResolver()
    await resolver.cacheDidWebDocument(buildDidWebDocument('kusel.de', provider))
    const claims = await new TokenVerifier({ audience: 'dp', resolver }).verifyAccessToken(token)
    assert.equal(claims.iss, 'did:web:kusel.de')
  })
})

describe('issueIdToken / TokenVerifier.verifyIdToken', () => {
  it('accepts a self-issued token for the callee, once', async () => {
    const { provider, consumer } = await parties()
    const vp = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] }
    const token = await issueIdToken(consumer, { audience: provider.did, vp })
    const verifier = new TokenVerifier({ audience: provider.did })
    const claims = await verifier.verifyIdToken(token)
    assert.equal(claims.iss, consumer.did)
    assert.equal(claims.sub, consumer.did)
    assert.deepEqual(claims.vp, vp)
    await assert.rejects(verifier.verifyIdToken(token), refusedWith('replay'))
  })

  it('refuses more than 5 minutes, iss != sub, and token confusion with access tokens', async () => {
    const { provider, consumer } = await parties()
    await assert.rejects(
      issueIdToken(consumer, { audience: provider.did, lifetimeSeconds: 301 }),
      refusedWith('lifetime'),
    )
    const iat = Math.floor(Date.now() / 1000)
    const other = await handmadeToken(
      consumer,
      { sub: provider.did, aud: provider.did, iat, exp: iat + 60, jti: 'i' },
      'JWT',
    )
    await assert.rejects(
      new TokenVerifier({ audience: provider.did }).verifyIdToken(other),
      refusedWith('subject'),
    )
    const access = await issueAccessToken(consumer, {
      subject: consumer.did,
      audience: provider.did,
      agreementId: 'urn:a',
    })
    await assert.rejects(
      new TokenVerifier({ audience: provider.did }).verifyIdToken(access),
      refusedWith('malformed'),
    )
    const id = await issueIdToken(consumer, { audience: provider.did })
    await assert.rejects(
      new TokenVerifier({ audience: provider.did }).verifyAccessToken(id),
      refusedWith('malformed'),
    )
  })
})

describe('TokenVerifier replay cache', () => {
  it('lets only one of two concurrent verifications of a token pass', async () => {
    const { provider, consumer } = await parties()
    const token = await issueAccessToken(provider, {
      subject: consumer.did,
      audience: 'dp',
      agreementId: 'urn:a',
    })
    const verifier = new TokenVerifier({ audience: 'dp' })
    const results = await Promise.allSettled([
      verifier.verifyAccessToken(token),
      verifier.verifyAccessToken(token),
    ])
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected'])
  })

  it('fails closed when full of live tokens, and frees expired ones', async () => {
    const { provider, consumer } = await parties()
    let clock = Date.now()
    const verifier = new TokenVerifier({ audience: 'dp', maxReplayEntries: 2, clock: () => clock })
    const issue = () =>
      issueAccessToken(provider, {
        subject: consumer.did,
        audience: 'dp',
        agreementId: 'urn:a',
        lifetimeSeconds: 60,
        now: new Date(clock),
      })
    await verifier.verifyAccessToken(await issue())
    await verifier.verifyAccessToken(await issue())
    await assert.rejects(verifier.verifyAccessToken(await issue()), refusedWith('replay'))
    clock += 120_000
    await verifier.verifyAccessToken(await issue())
  })
  it('takes access tokens of its one issuer only', async () => {
    const { provider, consumer, stranger } = await parties()
    const verifier = new TokenVerifier({ audience: provider.did, issuer: provider.did })
    const claims = {
      subject: consumer.did,
      audience: provider.did,
      agreementId: 'urn:a',
      transferProcessId: 'urn:t',
    }
    await assert.rejects(
      verifier.verifyAccessToken(await issueAccessToken(stranger, claims)),
      refusedWith('issuer'),
    )
    await assert.rejects(
      verifier.verifyAccessToken(await issueAccessToken(consumer, claims)),
      refusedWith('issuer'),
    )
    assert.equal(
      (await verifier.verifyAccessToken(await issueAccessToken(provider, claims))).sub,
      consumer.did,
    )
  })

  it('forgets each token when it expires, oldest first, without scanning the cache', async () => {
    const { provider, consumer } = await parties()
    let clock = Date.now()
    const verifier = new TokenVerifier({
      audience: 'dp',
      maxReplayEntries: 3,
      clockSkewSeconds: 0,
      clock: () => clock,
    })
    const issue = (lifetimeSeconds: number) =>
      issueAccessToken(provider, {
        subject: consumer.did,
        audience: 'dp',
        agreementId: 'urn:a',
        lifetimeSeconds,
        now: new Date(clock),
      })
    const long = await issue(600)
    await verifier.verifyAccessToken(long)
    await verifier.verifyAccessToken(await issue(10))
    await verifier.verifyAccessToken(await issue(20))
    await assert.rejects(verifier.verifyAccessToken(await issue(30)), refusedWith('replay'))
    clock += 11_000
    await verifier.verifyAccessToken(await issue(30))
    await assert.rejects(
      verifier.verifyAccessToken(long),
      refusedWith('replay'),
      'a live token stays remembered',
    )
  })
})
