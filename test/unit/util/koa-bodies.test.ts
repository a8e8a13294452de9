import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough, Readable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import Koa from 'koa'
import { bodiesWithoutFetch } from '../../../src/util/koa-bodies.js'

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

describe('bodiesWithoutFetch', () => {
  let server: ReturnType<Koa['listen']>
  let url: string

  before(async () => {
    const app = new Koa()
    app.silent = true
    bodiesWithoutFetch(app)
    app.use(async (ctx, next) => {
      await next()
      ctx.set('x-after', 'set after the route')
    })
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
      else if (ctx.path === '/stream') {
        ctx.type = 'text/csv'
        ctx.body = Readable.from(['a,b\n', '1,2\n'])
      } else if (ctx.path === '/events') {
        const events = new PassThrough()
        ctx.type = 'text/event-stream'
        ctx.body = events
        events.write('event: one\n\n')
        setImmediate(() => events.end('event: two\n\n'))
      } else if (ctx.path === '/broken') {
        ctx.body = new Readable({
          read() {
            this.destroy(new Error('the source failed'))
          },
        })
      } else if (ctx.path === '/read-back') {
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

  it('pipes a stream body with the headers every middleware set, as koa would', async () => {
    const csv = await get(`${url}/stream`)
    assert.equal(csv.status, 200)
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8')
    assert.equal(csv.headers['x-after'], 'set after the route')
    assert.equal(csv.text, 'a,b\n1,2\n')
    const events = await get(`${url}/events`)
    assert.equal(events.headers['content-type'], 'text/event-stream; charset=utf-8')
    assert.equal(events.text, 'event: one\n\nevent: two\n\n')
    const head = await get(`${url}/stream`, 'HEAD')
    assert.equal(head.status, 200)
    assert.equal(head.text, '')
  })

  it('ends the answer when a stream body fails', async () => {
    await assert.rejects(get(`${url}/broken`))
  })

  it('gives the text when the body is read back', async () => {
    assert.equal((await get(`${url}/read-back`)).headers['x-body'], '{"a":1}')
  })

  it("leaves Node's fetch implementation unloaded, which koa's own JSON and stream answers load", () => {
    const module = new URL('../../../src/util/koa-bodies.js', import.meta.url).href
    const script = (body: string, without: boolean) => `
      import Koa from 'koa'
      import { request } from 'node:http'
      import { Readable } from 'node:stream'
      import { bodiesWithoutFetch } from '${module}'
      const app = new Koa()
      if (${without}) bodiesWithoutFetch(app)
      app.use((ctx) => { ctx.body = ${body} })
      const server = app.listen(0, '127.0.0.1', () => {
        request('http://127.0.0.1:' + server.address().port, (res) => {
          res.resume()
          res.on('end', () => {
            server.close()
            console.log(process.moduleLoadList.some((m) => m.includes('undici')))
          })
        }).end()
      })`
    const loaded = (body: string, without: boolean) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', script(body, without)], {
        cwd: new URL('../../../../', import.meta.url),
        encoding: 'utf8',
      }).trim()
    for (const body of ['{ ok: true }', "Readable.from(['data'])"]) {
      assert.equal(
        loaded(body, false),
        'true',
        `koa's answer of ${body} loads it (else this test shows nothing)`,
      )
      assert.equal(loaded(body, true), 'false', body)
    }
  })
})
