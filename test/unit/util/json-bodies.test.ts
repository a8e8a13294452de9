import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import Koa from 'koa'
import { jsonBodiesAsText } from '../../../src/util/json-bodies.js'

/** One request over node:http (fetch would load what the test looks for): status, headers and text. */
function get(url: string, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; text: string }>(
    (resolve, reject) => {
      request(url, { method }, (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
      })
        .on('error', reject)
        .end()
    },
  )
}

describe('jsonBodiesAsText', () => {
  let server: ReturnType<Koa['listen']>
  let url: string

  before(async () => {
    const app = new Koa()
    jsonBodiesAsText(app)
    app.use((ctx) => {
      if (ctx.path === '/object') ctx.body = { name: 'Kusel', size: 3, tags: ['ä', null] }
      else if (ctx.path === '/array') ctx.body = [1, { a: 'b' }]
      else if (ctx.path === '/ld') {
        ctx.type = 'application/ld+json'
        ctx.body = { '@id': 'urn:x' }
      } else if (ctx.path === '/created') {
        ctx.status = 201
        ctx.body = { id: 7 }
      } else if (ctx.path === '/text') ctx.body = 'plain'
      else if (ctx.path === '/read-back') {
        ctx.body = { a: 1 }
        ctx.set('x-body', String(ctx.body))
      }
    })
    server = app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => {
    server.close()
  })

  it('answers a plain object or array with its JSON text, typed and counted as koa does', async () => {
    for (const [path, value] of [
      ['/object', { name: 'Kusel', size: 3, tags: ['ä', null] }],
      ['/array', [1, { a: 'b' }]],
    ] as const) {
      const res = await get(`${url}${path}`)
      assert.equal(res.status, 200)
      assert.equal(res.headers['content-type'], 'application/json; charset=utf-8')
      assert.equal(res.text, JSON.stringify(value))
      assert.equal(Number(res.headers['content-length']), Buffer.byteLength(res.text))
    }
  })

  it('keeps a JSON type and a status the route set, and other bodies as koa handles them', async () => {
    const ld = await get(`${url}/ld`)
    assert.equal(ld.headers['content-type'], 'application/ld+json')
    assert.deepEqual(JSON.parse(ld.text), { '@id': 'urn:x' })
    const created = await get(`${url}/created`)
    assert.equal(created.status, 201)
    const text = await get(`${url}/text`)
    assert.equal(text.headers['content-type'], 'text/plain; charset=utf-8')
    assert.equal(text.text, 'plain')
    const head = await get(`${url}/object`, 'HEAD')
    assert.equal(
      Number(head.headers['content-length']),
      Buffer.byteLength(JSON.stringify({ name: 'Kusel', size: 3, tags: ['ä', null] })),
    )
  })

  it('gives the text when the body is read back', async () => {
    assert.equal((await get(`${url}/read-back`)).headers['x-body'], '{"a":1}')
  })

  it("leaves Node's fetch implementation unloaded, which koa's own JSON answer loads", () => {
    const module = new URL('../../../src/util/json-bodies.js', import.meta.url).href
    const script = (asText: boolean) => `
      import Koa from 'koa'
      import { request } from 'node:http'
      import { jsonBodiesAsText } from '${module}'
      const app = new Koa()
      if (${asText}) jsonBodiesAsText(app)
      app.use((ctx) => { ctx.body = { ok: true } })
      const server = app.listen(0, '127.0.0.1', () => {
        request('http://127.0.0.1:' + server.address().port, (res) => {
          res.resume()
          res.on('end', () => {
            server.close()
            console.log(process.moduleLoadList.some((m) => m.includes('undici')))
          })
        }).end()
      })`
    const loaded = (asText: boolean) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', script(asText)], {
        cwd: new URL('../../../../', import.meta.url),
        encoding: 'utf8',
      }).trim()
    assert.equal(loaded(false), 'true', "koa's JSON answer loads it (else this test shows nothing)")
    assert.equal(loaded(true), 'false')
  })
})
