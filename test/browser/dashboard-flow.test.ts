import assert from 'node:assert/strict'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Locator, Page } from 'playwright-core'
import {
  describeViolations,
  launchBrowser,
  seriousAxeViolations,
  type TestBrowser,
} from '../support/browser.js'
import {
  allmendeJson,
  allmendeOk,
  eventually,
  freePort,
  type RunningNode,
  startAllmende,
} from '../support/cli-process.js'
import { repoRoot } from '../support/repo.js'
import { tempDir } from '../support/temp-dir.js'

const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'
const WAIT = { timeout: 60_000 }

/** A policy as a CLI user writes it: an action refinement, an xone of purposes, a duty, a prohibition. */
function cliPolicy(assigner: string) {
  return {
    '@context': [
      'http://www.w3.org/ns/odrl.jsonld',
      { allmende: 'https://w3id.org/allmende/odrl#', dpv: 'https://w3id.org/dpv#' },
    ],
    '@type': 'Offer',
    uid: 'urn:allmende:offer:verkehr-xone',
    profile: 'https://w3id.org/allmende/odrl-profile/v1',
    assigner,
    permission: [
      {
        action: 'use',
        assignee: {
          '@type': 'PartyCollection',
          source: 'urn:allmende:group:kreisverwaltungen',
          refinement: [{ leftOperand: 'count', operator: 'lteq', rightOperand: 100 }],
        },
        constraint: [
          {
            xone: {
              '@list': [
                {
                  leftOperand: 'purpose',
                  operator: 'isA',
                  rightOperand: { '@id': 'allmende:TrafficPlanning' },
                },
                { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': 'dpv:AcademicResearch' } },
              ],
            },
          },
          {
            leftOperand: 'dateTime',
            operator: 'lteq',
            rightOperand: { '@value': '2031-12-31', '@type': 'xsd:date' },
          },
        ],
        duty: [{ action: 'allmende:log' }],
      },
    ],
    prohibition: [{ action: 'distribute' }],
  }
}

describe('two nodes driven through their dashboards: offer, catalog, contract, transfer', () => {
  let root: string
  const dir = (name: string) => join(root, name)
  const nodes: Record<string, RunningNode> = {}
  const did: Record<string, string> = {}
  let browser: TestBrowser
  let kusel: Page
  let myk: Page
  // ALLMENDE_SCREENSHOTS=docs/screenshots refreshes the README's pictures; by default they go to a temp dir.
  let shots: string

  const api = async <T>(name: string, method: string, path: string, body?: unknown): Promise<T> => {
    const token = (await readFile(join(dir(name), 'api-token'), 'utf8')).trim()
    const response = await fetch(`${nodes[name]!.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const json = (await response.json()) as T
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
    return json
  }

  const login = async (name: string): Promise<Page> => {
    const { url } = await allmendeJson<{ url: string }>(['dashboard', '--dir', dir(name)])
    const page = await browser.newPage()
    await page.goto(url)
    await page.getByRole('heading', { level: 1, name: 'Übersicht' }).waitFor(WAIT)
    return page
  }

  /** Waits for what a page should show; a timeout carries the nodes' last log lines (CI keeps nothing else). */
  const shows = async (locator: Locator) => {
    await locator.waitFor(WAIT).catch((error: Error) => {
      const tail = (name: string) => nodes[name]!.output().trimEnd().split('\n').slice(-40).join('\n')
      throw new Error(
        `${error.message}\n--- kusel's log ---\n${tail('kusel')}\n--- myk's log ---\n${tail('myk')}`,
      )
    })
  }

  const go = async (page: Page, path: string, heading: string) => {
    await page.getByRole('navigation').getByRole('link', { name: heading, exact: true }).click()
    await page.waitForURL(`**/#/${path}*`)
    await page.getByRole('heading', { level: 1, name: heading }).waitFor(WAIT)
  }

  before(async () => {
    root = await tempDir('allmende-dashboard-')
    const target = process.env.ALLMENDE_SCREENSHOTS
    shots = target === undefined ? join(root, 'screenshots') : join(repoRoot(), target)
    const port = await freePort()
    did.kusel = (
      await allmendeJson<{ did: string }>([
        'init',
        '--dir',
        dir('kusel'),
        '--name',
        'Landkreis Kusel',
        '--listen',
        `/ip4/127.0.0.1/tcp/${port}`,
      ])
    ).did
    did.myk = (
      await allmendeJson<{ did: string }>(['init', '--dir', dir('myk'), '--name', 'Landkreis Mayen-Koblenz'])
    ).did
    nodes.kusel = await startAllmende(['--dir', dir('kusel')])
    const created = await allmendeJson<{ descriptor: string }>([
      'dataspace',
      'create',
      '--title',
      'Südwest-Cluster',
      '--dir',
      dir('kusel'),
    ])
    await nodes.kusel.stop()
    await allmendeOk(['dataspace', 'join', '--descriptor', created.descriptor, '--dir', dir('myk')])
    await allmendeOk(['dataspace', 'endorse', did.myk, '--dir', dir('kusel')])
    nodes.kusel = await startAllmende(['--dir', dir('kusel')])
    nodes.myk = await startAllmende(['--dir', dir('myk')])
    await writeFile(
      join(root, 'pegel.json'),
      JSON.stringify([{ phenomenonTime: '2026-11-22T10:00:00Z', result: 64 }]),
    )
    await mkdir(shots, { recursive: true })
    browser = await launchBrowser({ locale: 'de-DE' })
    kusel = await login('kusel')
    myk = await login('myk')
  })

  after(async () => {
    await browser?.close()
    await Promise.all(Object.values(nodes).map((n) => n.stop()))
  })

  it('shows the other member on the overview as it connects', async () => {
    await kusel
      .getByRole('cell', { name: 'Landkreis Mayen-Koblenz' })
      .or(kusel.getByRole('table', { name: 'Verbundene Knoten' }))
      .first()
      .waitFor(WAIT)
    await kusel.screenshot({ path: join(shots, 'uebersicht.png'), fullPage: true })
  })

  it('authors an offer from a template, publishes a dataset with it, and the other node sees its terms live', async () => {
    await go(myk, 'katalog', 'Katalog')
    await go(kusel, 'richtlinien', 'Richtlinien')
    await kusel.getByRole('button', { name: 'Vorlage „Nur Hochwasserwarnung“ verwenden' }).click()
    await kusel.getByLabel('DID des Empfängers (assignee)').fill(did.myk!)
    await kusel.getByLabel('Letzter Tag der Nutzung (until)').fill('2030-12-31')
    await kusel.getByRole('button', { name: 'Richtlinie erzeugen' }).click()
    await kusel.getByText('Keine Fehler gefunden.').waitFor(WAIT)
    await kusel.locator('.explanation').getByText('Hochwasserwarnung').first().waitFor(WAIT)
    // The dry run: the named consumer, for flood warning, today: permitted.
    await kusel.getByLabel('Anfragende Partei (DID)').fill(did.myk!)
    await kusel.getByLabel('Erklärter Zweck').selectOption(FLOOD_WARNING)
    await kusel.getByRole('button', { name: 'Probelauf starten' }).click()
    await kusel.getByText('Entscheidung: erlaubt').waitFor(WAIT)
    await kusel.locator('section.editor').screenshot({ path: join(shots, 'richtlinien.png') })

    await kusel.getByRole('button', { name: 'Als Angebot für einen neuen Datensatz verwenden' }).click()
    await kusel.getByRole('heading', { name: 'Neuer Datensatz' }).waitFor(WAIT)
    await kusel.getByLabel('Titel', { exact: true }).fill('Pegel Altenglan, Wasserstand 15 Minuten')
    await kusel
      .getByLabel('Beschreibung', { exact: true })
      .fill('Wasserstand des Pegels Altenglan im 15-Minuten-Takt')
    await kusel.getByLabel('Schlagwörter').fill('Pegel, Hochwasser')
    await kusel.getByLabel('Thema').selectOption('ENVI')
    await kusel.getByLabel('Pfad der Datei').fill(join(root, 'pegel.json'))
    await kusel.getByLabel('Zustimmung').selectOption('manual')
    await kusel.getByRole('button', { name: 'Veröffentlichen' }).click()
    await kusel.getByRole('heading', { name: 'Pegel Altenglan, Wasserstand 15 Minuten' }).waitFor(WAIT)

    // No reload on the other node: the announcement arrives as a server-sent event.
    const hit = myk.locator('li.hit', { hasText: 'Pegel Altenglan' })
    await hit.waitFor(WAIT)
    await hit.getByText('Landkreis Kusel').waitFor(WAIT)
    await hit
      .getByText(/Hochwasserwarnung/)
      .first()
      .waitFor(WAIT)
    await hit.getByText('Erlaubte Zwecke: Hochwasserwarnung').waitFor(WAIT)
    await myk.screenshot({ path: join(shots, 'katalog.png'), fullPage: true })
  })

  it('answers catalog hits with each offer in words and its purposes; negotiate takes the short purpose name', async () => {
    type Hit = {
      provider: string
      datasetId: string
      offers: { id: string; terms: { de: string; en: string }; purposes: { iri: string }[] }[]
    }
    const hits = await allmendeJson<Hit[]>(['catalog', '--q', 'pegel', '--dir', dir('myk')])
    const hit = hits.find((h) => h.provider === did.kusel)
    assert.ok(hit !== undefined)
    assert.equal(hit.offers.length, 1)
    assert.deepEqual(
      hit.offers[0]!.purposes.map((p) => p.iri),
      [FLOOD_WARNING],
    )
    assert.match(hit.offers[0]!.terms.de, /Hochwasserwarnung/)
    assert.match(hit.offers[0]!.terms.en, /flood warning/)
    const text = await allmendeOk(['catalog', '--q', 'pegel', '--dir', dir('myk')])
    assert.match(text, /--purpose FloodWarning/)
    const asked = await allmendeJson<{ negotiation: string; state: string }>([
      'negotiate',
      '--provider',
      did.kusel!,
      '--dataset',
      hit.datasetId,
      '--purpose',
      'FloodWarning',
      '--dir',
      dir('myk'),
    ])
    const record = await eventually(
      async () => {
        const n = await api<{ purpose?: string; state: string }>(
          'myk',
          'GET',
          `/api/v1/negotiations/${encodeURIComponent(asked.negotiation)}`,
        )
        return n.purpose === FLOOD_WARNING ? n : undefined
      },
      { what: 'the negotiation with the purpose IRI' },
    )
    assert.equal(record.purpose, FLOOD_WARNING)
    // The data officer ends this one with a reason (the browser request below is approved).
    await go(kusel, 'verhandlungen', 'Verhandlungen')
    const waiting = kusel.locator('li.hit', { hasText: 'Wartet auf Freigabe' }).first()
    await waiting.waitFor(WAIT)
    await waiting.getByLabel('Grund für das Beenden').fill('doppelte Anfrage')
    await waiting.getByRole('button', { name: 'Beenden' }).click()
    await eventually(
      async () => {
        const n = await api<{ state: string; history: { reason?: string }[] }>(
          'myk',
          'GET',
          `/api/v1/negotiations/${encodeURIComponent(asked.negotiation)}`,
        )
        return n.state === 'TERMINATED' && n.history.some((s) => s.reason?.includes('doppelte Anfrage'))
          ? n
          : undefined
      },
      { what: 'the terminated negotiation with its reason', timeoutMs: 60_000 },
    )
  })

  it('requests a contract with the purpose the offer allows; the provider approves it by hand', async () => {
    const hit = myk.locator('li.hit', { hasText: 'Pegel Altenglan' })
    await hit.getByRole('button', { name: 'Vertrag anfragen' }).click()
    const purpose = hit.getByLabel('Zweck der Nutzung')
    assert.deepEqual(await purpose.locator('option').allTextContents(), ['Hochwasserwarnung'])
    await hit.getByRole('button', { name: 'Anfrage senden' }).click()
    await hit.getByText(/Anfrage gesendet/).waitFor(WAIT)

    const waiting = kusel.locator('li.hit', { hasText: 'Wartet auf Freigabe' }).first()
    await waiting.waitFor(WAIT)
    await kusel.screenshot({ path: join(shots, 'verhandlungen.png'), fullPage: true })
    await waiting.getByRole('button', { name: 'Zustimmen' }).click()
    await shows(kusel.locator('li.hit h3', { hasText: 'abgeschlossen' }).first())

    await go(myk, 'verhandlungen', 'Verhandlungen')
    await shows(myk.locator('li.hit h3', { hasText: 'abgeschlossen' }).first())
  })

  it('shows the contract in words with both proofs, transfers the data and shows the receipt', async () => {
    await go(myk, 'vertraege', 'Verträge')
    const card = myk.locator('li.hit').first()
    await card
      .getByText(/Hochwasserwarnung/)
      .first()
      .waitFor(WAIT)
    assert.equal(await card.locator('ul li', { hasText: 'signiert von' }).count(), 2)
    await card.getByText('gültig, nicht widerrufen').waitFor(WAIT)
    await myk.screenshot({ path: join(shots, 'vertraege.png'), fullPage: true })
    await card.getByRole('link', { name: 'Daten übertragen' }).click()
    await myk.getByRole('heading', { level: 1, name: 'Übertragungen' }).waitFor(WAIT)
    // Received data may only land in the node's download folder (`downloads` beside the node directory).
    await myk.getByLabel('Zieldatei im Download-Ordner des Knotens').fill('received.json')
    await myk.getByRole('button', { name: 'Starten' }).click()
    const transfer = myk.locator('li.hit').first()
    await transfer.locator('.receipt', { hasText: 'von beiden signiert' }).waitFor(WAIT)
    await myk.screenshot({ path: join(shots, 'uebertragungen.png'), fullPage: true })
    assert.equal(
      await readFile(join(root, 'downloads', 'received.json'), 'utf8'),
      await readFile(join(root, 'pegel.json'), 'utf8'),
    )

    await go(kusel, 'uebertragungen', 'Übertragungen')
    const served = kusel.locator('li.hit').first()
    await served.locator('.receipt', { hasText: 'von beiden signiert' }).waitFor(WAIT)
    await served.getByText(/delete: /).waitFor(WAIT)
  })

  it('checks the audit chain and lists the events', async () => {
    await go(kusel, 'protokoll', 'Protokoll')
    await kusel.getByText(/Die Kette ist lückenlos/).waitFor(WAIT)
    await kusel.getByLabel('Bereich').selectOption('negotiation')
    await kusel
      .getByRole('cell', { name: /negotiation\./ })
      .first()
      .waitFor(WAIT)
    await kusel.screenshot({ path: join(shots, 'protokoll.png'), fullPage: true })
  })

  it('lists the members of the data space for the anchor', async () => {
    await go(kusel, 'datenraum', 'Datenraum')
    await kusel.getByRole('cell', { name: did.myk! }).waitFor(WAIT)
    await kusel.screenshot({ path: join(shots, 'datenraum.png'), fullPage: true })
  })

  it('opens a policy made through the CLI with refinements and xone, and saves it unchanged', async () => {
    const policyFile = join(root, 'xone.jsonld')
    await writeFile(policyFile, JSON.stringify(cliPolicy(did.kusel!)))
    const added = await allmendeJson<{ dataset: { id: string } }>([
      'dataset',
      'add',
      '--dir',
      dir('kusel'),
      '--title',
      'Verkehrszählung',
      '--source',
      join(root, 'pegel.json'),
      '--policy',
      policyFile,
    ])
    const before = await api<{ version: number; offers: { offer: unknown }[] }>(
      'kusel',
      'GET',
      `/api/v1/datasets/${encodeURIComponent(added.dataset.id)}`,
    )
    await kusel.goto(
      `${nodes.kusel!.apiUrl}/#/richtlinien?dataset=${encodeURIComponent(added.dataset.id)}&offer=0`,
    )
    await kusel.getByRole('heading', { name: 'Editor' }).waitFor(WAIT)
    const tree = kusel.locator('.tree')
    await tree.getByRole('group', { name: 'Logische Bedingung' }).waitFor(WAIT)
    assert.equal(await tree.locator('.node.logical select').first().inputValue(), 'xone')
    await tree.getByRole('group', { name: 'Verfeinerung', exact: true }).waitFor(WAIT)
    await kusel.getByText('Keine Fehler gefunden.').waitFor(WAIT)
    await kusel.getByRole('button', { name: 'Im Datensatz speichern' }).click()
    await kusel
      .locator('section.editor')
      .getByText(`Angebot gespeichert (Version ${before.version + 1}).`)
      .waitFor(WAIT)
    const after = await api<{ version: number; offers: { offer: unknown }[] }>(
      'kusel',
      'GET',
      `/api/v1/datasets/${encodeURIComponent(added.dataset.id)}`,
    )
    assert.equal(after.version, before.version + 1)
    assert.deepEqual(after.offers[0]!.offer, before.offers[0]!.offer)

    // An edit in the tree marks the faulty node and the check names it.
    const right = tree.locator('input[data-path$="constraint[1].rightOperand"]')
    await right.fill('kein Datum')
    await kusel.getByText(/1 Fehler/).waitFor(WAIT)
    await tree.locator('.faulty').first().waitFor(WAIT)
    await kusel.locator('section.editor').screenshot({ path: join(shots, 'richtlinien-baum.png') })
  })

  for (const language of ['de', 'en'] as const) {
    it(`has no serious or critical accessibility violation on any page (${language})`, async () => {
      const page = await browser.newPage()
      await page.goto(nodes.kusel!.apiUrl)
      await page.getByRole('heading', { level: 1 }).first().waitFor(WAIT)
      const current = await page.evaluate('document.documentElement.lang')
      if (current !== language)
        await page
          .getByRole('button', { name: language === 'en' ? 'Switch to English' : 'Auf Deutsch umschalten' })
          .click()
      const paths = [
        'uebersicht',
        'katalog',
        'richtlinien',
        'verhandlungen',
        'vertraege',
        'uebertragungen',
        'protokoll',
        'datenraum',
      ]
      for (const path of paths) {
        await page.goto(`${nodes.kusel!.apiUrl}/#/${path}`)
        await page.locator('main h1').waitFor(WAIT)
        await page.locator('main .loading').waitFor({ state: 'detached', ...WAIT })
        const violations = await seriousAxeViolations(page)
        assert.deepEqual(violations, [], `${path} (${language}):\n${describeViolations(violations)}`)
      }
      if (language === 'en') await page.screenshot({ path: join(shots, 'overview-en.png'), fullPage: true })
      await page.close()
    })
  }
})
