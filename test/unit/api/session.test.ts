import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { ApiServer, DashboardSessions, LoginCodeError, nodeRoutes } from '../../../src/api/index.js'
import { createSilentLogger } from '../../../src/log/index.js'

describe('DashboardSessions', () => {
  it('turns a login code into one session, once', () => {
    const sessions = new DashboardSessions()
    const code = sessions.issueLoginCode()
    const session = sessions.redeem(code)
    assert.equal(sessions.find(session.id), session)
    assert.notEqual(session.csrf, session.id)
    assert.throws(() => sessions.redeem(code), LoginCodeError)
  })

  it('refuses a code after ten minutes and forgets an idle session after twelve hours', () => {
    let now = 0
    const sessions = new DashboardSessions(() => now)
    const late = sessions.issueLoginCode()
    const session = sessions.redeem(sessions.issueLoginCode())
    now = 10 * 60_000
    assert.throws(() => sessions.redeem(late), LoginCodeError)
    assert.ok(sessions.find(session.id), 'in use: each request extends it')
    now += 12 * 60 * 60_000 - 1
    assert.ok(sessions.find(session.id), 'still alive just before it expires')
    now += 12 * 60 * 60_000
    assert.equal(sessions.find(session.id), undefined)
  })
})

describe('session cookie, CSRF and bearer token on the API', () => {
  const token = 'session-test-token'
  const sessions = new DashboardSessions()
  let api: ApiServer
  let url: string

  before(async () => {
    api = new ApiServer(createSilentLogger(), {
      host: '127.0.0.1',
      port: 0,
      token,
      sessions,
      routes: [
        (router) =>
          nodeRoutes(router, {
            identity: () => ({
              name: 'Kusel',
              did: 'did:key:z',
              peerId: 'p',
              multiaddrs: [],
              dataspace: 'd',
            }),
            peers: async () => [],
            names: async () => ({}),
            connectionChurn: () => ({ admissions: 0, trimmed: 0 }),
            status: async () => ({
              membership: null,
              connectivity: { admittedPeers: 0, knownPeers: 0 },
              warnings: [],
            }),
          }),
        (router) =>
          router.post('/api/v1/echo', (ctx) => {
            ctx.body = { ok: true }
          }),
      ],
    })
    url = await api.start()
  })
  after(() => api.stop())

  const cookieFor = () => {
    const session = sessions.redeem(sessions.issueLoginCode())
    return { session, cookie: `allmende_session_${new URL(url).port}=${session.id}` }
  }

  it('reads with the cookie alone', async () => {
    const { cookie } = cookieFor()
    const res = await fetch(`${url}/api/v1/identity`, { headers: { cookie } })
    assert.equal(res.status, 200)
  })

  it('refuses a change without the CSRF token, with a wrong one, and from another origin', async () => {
    const { session, cookie } = cookieFor()
    const post = (headers: Record<string, string>) =>
      fetch(`${url}/api/v1/echo`, { method: 'POST', headers: { cookie, ...headers } })
    const refused: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'wrong' },
      { 'x-csrf-token': session.csrf, origin: 'http://evil.example' },
    ]
    for (const headers of refused) {
      const res = await post(headers)
      assert.equal(res.status, 403)
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ALLMENDE_CSRF')
    }
    assert.equal((await post({ 'x-csrf-token': session.csrf, origin: url })).status, 200)
  })

  it('ignores a cookie of another port, and still takes the bearer token', async () => {
    const { session } = cookieFor()
    const other = await fetch(`${url}/api/v1/identity`, {
      headers: { cookie: `allmende_session_1=${session.id}` },
    })
    assert.equal(other.status, 401)
    const bearer = await fetch(`${url}/api/v1/echo`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(bearer.status, 200)
  })
})
