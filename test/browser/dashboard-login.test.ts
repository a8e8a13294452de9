import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  describeViolations,
  launchBrowser,
  seriousAxeViolations,
  type TestBrowser,
} from '../support/browser.js'
import { allmendeJson, type RunningNode, runAllmende, startAllmende } from '../support/cli-process.js'
import { tempDir } from '../support/temp-dir.js'

describe('dashboard login, session and overview in a real browser', () => {
  let dir: string
  let node: RunningNode
  let browser: TestBrowser

  before(async () => {
    dir = join(await tempDir(), 'kusel')
    const init = await runAllmende([
      'init',
      '--dir',
      dir,
      '--name',
      'Landkreis Kusel',
      '--dataspace',
      'login-test',
    ])
    assert.equal(init.code, 0, init.stderr)
    node = await startAllmende(['--dir', dir])
    browser = await launchBrowser({ locale: 'de-DE' })
  })

  after(async () => {
    await browser?.close()
    await node?.stop()
  })

  it('asks for a login without a session and answers the API with 401', async () => {
    const page = await browser.newPage()
    await page.goto(node.apiUrl)
    await page.getByRole('heading', { level: 1, name: 'Anmeldung nötig' }).waitFor()
    assert.ok((await page.textContent('main'))?.includes('allmende dashboard'))
    const status = await page.evaluate(async () => (await fetch('/api/v1/identity')).status)
    assert.equal(status, 401)
    await page.close()
  })

  it('logs in with the one-time link: HttpOnly SameSite=Strict cookie, link spent, overview in German', async () => {
    const { url } = await allmendeJson<{ url: string }>(['dashboard', '--dir', dir])
    assert.match(url, new RegExp(`^${node.apiUrl}/login\\?code=[\\w-]{20,}$`))
    const page = await browser.newPage()
    await page.goto(url)
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor()
    assert.equal(new URL(page.url()).search, '', 'the code leaves the address bar')
    assert.ok((await page.textContent('header'))?.includes('Landkreis Kusel'))
    await page.getByRole('heading', { name: 'Identität' }).waitFor()
    const [cookie] = await browser.context.cookies(node.apiUrl)
    assert.equal(cookie?.name, `allmende_session_${new URL(node.apiUrl).port}`)
    assert.equal(cookie?.httpOnly, true)
    assert.equal(cookie?.sameSite, 'Strict')
    assert.equal(await page.evaluate('document.cookie'), '', 'scripts cannot read the session')

    const again = await fetch(url, { redirect: 'manual' })
    assert.equal(again.status, 401, 'a login code works once')
    assert.match(await again.text(), /Anmeldung fehlgeschlagen/)
    await page.close()
  })

  it('refuses state-changing requests without the CSRF token; the bearer token still works', async () => {
    const page = await browser.newPage()
    await page.goto(node.apiUrl)
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor()
    const withoutToken = await page.evaluate(async () => {
      const r = await fetch('/api/v1/dashboard/login', { method: 'POST' })
      return { status: r.status, body: (await r.json()) as { error: { code: string } } }
    })
    assert.equal(withoutToken.status, 403)
    assert.equal(withoutToken.body.error.code, 'ALLMENDE_CSRF')
    const withToken = await page.evaluate(async () => {
      const { csrf } = (await (await fetch('/api/v1/session')).json()) as { csrf: string }
      const r = await fetch('/api/v1/dashboard/login', { method: 'POST', headers: { 'x-csrf-token': csrf } })
      return r.status
    })
    assert.equal(withToken, 201)
    const token = (await readFile(join(dir, 'api-token'), 'utf8')).trim()
    const cli = await fetch(`${node.apiUrl}/api/v1/identity`, {
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(cli.status, 200)
    assert.equal(((await cli.json()) as { name: string }).name, 'Landkreis Kusel')
    await page.close()
  })

  it('has no serious accessibility violation and switches to English', async () => {
    const page = await browser.newPage()
    await page.goto(node.apiUrl)
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor()
    const german = await seriousAxeViolations(page)
    assert.deepEqual(german, [], describeViolations(german))
    await page.getByRole('button', { name: 'Switch to English' }).click()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    assert.equal(await page.evaluate('document.documentElement.lang'), 'en')
    const english = await seriousAxeViolations(page)
    assert.deepEqual(english, [], describeViolations(english))
    await page.reload()
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor()
    await page.close()
  })
})
