import { ApiError, get, post, setCsrf } from './api.js'
import { h, replace } from './dom.js'
import { errorBox } from './error-box.js'
import { lang, setLang, t } from './i18n.js'
import { connectLive, type LiveKind, onLive } from './live.js'
import { learnNames } from './names.js'
import type { Page, PageContext } from './page.js'
import { agreementsPage } from './pages/agreements.js'
import { auditPage } from './pages/audit.js'
import { catalogPage } from './pages/catalog.js'
import { dataspacePage } from './pages/dataspace.js'
import { negotiationsPage } from './pages/negotiations.js'
import { overviewPage } from './pages/overview.js'
import { policiesPage } from './pages/policies.js'
import { transfersPage } from './pages/transfers.js'

/** The pages in navigation order; the first is the start page. */
const PAGES: readonly Page[] = [
  overviewPage,
  catalogPage,
  policiesPage,
  negotiationsPage,
  agreementsPage,
  transfersPage,
  auditPage,
  dataspacePage,
]

interface Identity {
  name: string
  did: string
}

let identity: Identity | undefined
let cleanups: (() => void)[] = []
let liveConnected = false

function route(): { page: Page | undefined; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '')
  const [path = '', query = ''] = hash.split('?')
  const page = path === '' ? PAGES[0] : PAGES.find((p) => p.path === path)
  return { page, params: new URLSearchParams(query) }
}

function navigation(current: Page | undefined): HTMLElement {
  return h(
    'nav',
    { 'aria-label': t('app.nav') },
    h(
      'ul',
      {},
      PAGES.map((p) =>
        h(
          'li',
          {},
          h('a', { href: `#/${p.path}`, 'aria-current': p === current ? 'page' : undefined }, t(p.title)),
        ),
      ),
    ),
  )
}

function liveStatus(): HTMLElement {
  return h(
    'p',
    { class: liveConnected ? 'live on' : 'live off', id: 'live-status' },
    t(liveConnected ? 'app.live' : 'app.offline'),
  )
}

function header(): HTMLElement {
  const other = lang() === 'de' ? 'en' : 'de'
  return h(
    'header',
    { class: 'top' },
    h('p', { class: 'brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, '◆'), ` ${t('app.name')}`),
    h('p', { class: 'node-name' }, identity?.name ?? ''),
    liveStatus(),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        lang: other,
        'aria-label': t('app.switchLang'),
        onclick: () => {
          setLang(other)
          render()
        },
      },
      t('app.switchTo'),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          await post('/api/v1/session/logout').catch(() => undefined)
          location.reload()
        },
      },
      t('app.logout'),
    ),
  )
}

/** Renders the shell and the page of the current address; focus moves to the page's heading. */
async function render(focus = false): Promise<void> {
  for (const cleanup of cleanups) cleanup()
  cleanups = []
  document.documentElement.lang = lang()
  const { page, params } = route()
  const main = h('main', { id: 'main', tabindex: '-1' })
  const app = document.getElementById('app')!
  replace(
    app,
    h('a', { class: 'skip', href: '#main', onclick: skipToMain }, t('app.skip')),
    header(),
    navigation(page),
    main,
    h('div', { id: 'announcer', class: 'visually-hidden', 'aria-live': 'polite', role: 'status' }),
  )
  document.title = `${page === undefined ? t('app.notFound') : t(page.title)} – ${identity?.name ?? ''} – Allmende`
  if (page === undefined) {
    replace(main, h('h1', {}, t('app.notFound')))
    return
  }
  const ctx: PageContext = {
    main,
    params,
    self: identity as Identity,
    live: (kinds: readonly LiveKind[], refresh: () => void, delayMs?: number) =>
      cleanups.push(onLive(kinds, refresh, delayMs)),
    onCleanup: (fn) => cleanups.push(fn),
  }
  replace(main, h('h1', {}, t(page.title)), h('p', { class: 'loading' }, t('app.loading')))
  try {
    await page.render(ctx)
    // User Timing mark: when a page first shows its data (read by bench/dashboard).
    performance.mark('allmende:rendered')
  } catch (error) {
    replace(main, h('h1', {}, t(page.title)), errorBox(error))
  }
  main.setAttribute('aria-busy', 'false')
  if (focus) main.querySelector('h1')?.focus()
}

function skipToMain(event: Event): void {
  event.preventDefault()
  document.getElementById('main')?.focus()
}

function loginNeeded(): void {
  document.documentElement.lang = lang()
  replace(
    document.getElementById('app')!,
    h(
      'main',
      { id: 'main', class: 'login' },
      h('h1', {}, t('login.title')),
      h('p', {}, t('login.text')),
      h('pre', {}, h('code', {}, 'npx allmende dashboard --dir ./kusel')),
    ),
  )
}

async function boot(): Promise<void> {
  try {
    const session = await get<{ csrf?: string }>('/api/v1/session')
    setCsrf(session.csrf ?? '')
    identity = await get<Identity>('/api/v1/identity')
    learnNames({ [identity.did]: identity.name })
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return loginNeeded()
    throw error
  }
  connectLive((connected) => {
    if (connected === liveConnected) return
    liveConnected = connected
    document.getElementById('live-status')?.replaceWith(liveStatus())
  })
  window.addEventListener('hashchange', () => void render(true))
  await render()
}

void boot()
