import { enc, get, post, put } from '../api.js'
import { field, h, replace, table, uid } from '../dom.js'
import { errorBox } from '../error-box.js'
import { defineTexts, lang, t } from '../i18n.js'
import { knownNames } from '../names.js'
import type { Page, PageContext } from '../page.js'
import { setDraftOffer } from '../policy/draft.js'
import { commonForm } from '../policy/form.js'
import { iriText, type Json, type JsonObject, keyFor } from '../policy/json-ld.js'
import { PolicyTree, type Vocabulary } from '../policy/tree.js'
import type { DatasetRecord } from './dataset-form.js'

defineTexts({
  'pol.gallery': ['Vorlagen', 'Templates'],
  'pol.use': ['Verwenden', 'Use template'],
  'pol.useNamed': ['Vorlage „{title}“ verwenden', 'Use template “{title}”'],
  'pol.params': ['Werte für „{title}“', 'Values for “{title}”'],
  'pol.create': ['Richtlinie erzeugen', 'Create policy'],
  'pol.targetHint': [
    'Bei einem Vertrag wird der Datensatz selbst das Ziel; hier genügt eine vorläufige Kennung.',
    'In an agreement the dataset itself becomes the target; a provisional id is enough here.',
  ],
  'pol.open': ['Vorhandene Richtlinie öffnen', 'Open an existing policy'],
  'pol.openOffers': ['Angebote eigener Datensätze', 'Offers of own datasets'],
  'pol.paste': ['Richtlinie als JSON-LD einfügen', 'Paste a policy as JSON-LD'],
  'pol.openPasted': ['Eingefügte Richtlinie öffnen', 'Open pasted policy'],
  'pol.notJson': ['Das ist kein gültiges JSON: {message}', 'That is not valid JSON: {message}'],
  'pol.editor': ['Editor', 'Editor'],
  'pol.editing': ['Bearbeitet wird: {what}', 'Editing: {what}'],
  'pol.editingOffer': ['Angebot {n} von „{title}“', 'offer {n} of “{title}”'],
  'pol.editingNew': ['neue Richtlinie', 'new policy'],
  'pol.tabForm': ['Formular', 'Form'],
  'pol.tabTree': ['Baum', 'Tree'],
  'pol.tabJson': ['JSON-LD', 'JSON-LD'],
  'pol.views': ['Ansichten der Richtlinie', 'Views of the policy'],
  'pol.jsonLabel': ['Die Richtlinie als JSON-LD', 'The policy as JSON-LD'],
  'pol.check': ['Prüfung', 'Check'],
  'pol.valid': ['Keine Fehler gefunden.', 'No errors found.'],
  'pol.errors': ['{n} Fehler', '{n} error(s)'],
  'pol.warnings': ['{n} Warnung(en)', '{n} warning(s)'],
  'pol.goTo': ['zur Stelle', 'go to place'],
  'pol.words': ['In Worten', 'In words'],
  'pol.noWords': [
    'Erst wenn die Richtlinie lesbar ist, lässt sie sich in Worten sagen.',
    'Once the policy is readable it can be put in words.',
  ],
  'pol.dryRun': ['Probelauf', 'Dry run'],
  'pol.dryRunHint': [
    'Eine Anfrage und ein Zustand der Welt: die Engine entscheidet wie bei einer echten Übertragung.',
    'A request and a state of the world: the engine decides as it would for a real transfer.',
  ],
  'pol.request': ['Anfrage', 'Request'],
  'pol.world': ['Zustand der Welt', 'State of the world'],
  'pol.reqAction': ['Handlung', 'Action'],
  'pol.reqAssignee': ['Anfragende Partei (DID)', 'Requesting party (DID)'],
  'pol.reqTarget': ['Ziel (Datensatz)', 'Target (dataset)'],
  'pol.worldNow': ['Zeitpunkt', 'Point in time'],
  'pol.worldPurpose': ['Erklärter Zweck', 'Declared purpose'],
  'pol.worldCount': ['Nutzungen einschließlich dieser', 'Uses including this one'],
  'pol.worldMember': [
    'Die anfragende Partei ist Mitglied des Datenraums',
    'The requesting party is a member of the data space',
  ],
  'pol.asAgreed': [
    'Ein Angebot erlaubt selbst nichts; so entschiede es als Vertrag.',
    'An offer permits nothing by itself; this is what it would decide as an agreement.',
  ],
  'pol.run': ['Probelauf starten', 'Run'],
  'pol.decision': ['Entscheidung', 'Decision'],
  'pol.permit': ['erlaubt', 'permitted'],
  'pol.deny': ['verweigert', 'denied'],
  'pol.notApplicable': ['nicht anwendbar', 'not applicable'],
  'pol.reasons': ['Begründung der Engine', 'Reasons of the engine'],
  'pol.report': ['ODRL-Konformitätsbericht (Turtle)', 'ODRL compliance report (Turtle)'],
  'pol.save': ['Im Datensatz speichern', 'Save in the dataset'],
  'pol.saved': ['Angebot gespeichert (Version {v}).', 'Offer saved (version {v}).'],
  'pol.toDataset': ['Als Angebot für einen neuen Datensatz verwenden', 'Use as offer of a new dataset'],
  'pol.download': ['JSON-LD herunterladen', 'Download JSON-LD'],
  'pol.saveBlocked': [
    'Speichern erst, wenn keine Fehler mehr da sind.',
    'Saving is possible once no errors remain.',
  ],
  'pol.noPurpose': ['kein Zweck', 'no purpose'],
})

/** German words for the validator's issue codes; the engine's own (English) sentence follows. */
defineTexts({
  'issue.bad-action': ['Unbekannte oder falsch geschriebene Handlung.', 'Unknown or malformed action.'],
  'issue.bad-conflict': ['Ungültige Konfliktregel.', 'Invalid conflict strategy.'],
  'issue.bad-constraint': ['Fehlerhafte Bedingung.', 'Malformed constraint.'],
  'issue.bad-left-operand': ['Fehlerhafter linker Operand.', 'Malformed left operand.'],
  'issue.bad-logical-constraint': ['Fehlerhafte logische Bedingung.', 'Malformed logical constraint.'],
  'issue.bad-right-operand': ['Der Wert passt nicht zum Operanden.', 'The value does not fit the operand.'],
  'issue.both-right-operands': [
    'Wert und Wertverweis zugleich angegeben.',
    'Both a value and a value reference given.',
  ],
  'issue.conflict-voids-policy': [
    'Ein Widerspruch macht die ganze Richtlinie ungültig.',
    'A conflict voids the whole policy.',
  ],
  'issue.misplaced-rule': ['Regel an falscher Stelle.', 'Rule in the wrong place.'],
  'issue.missing-action': ['Die Regel nennt keine Handlung.', 'The rule names no action.'],
  'issue.missing-left-operand': [
    'Der Bedingung fehlt der linke Operand.',
    'The constraint lacks its left operand.',
  ],
  'issue.missing-operator': ['Der Bedingung fehlt der Operator.', 'The constraint lacks its operator.'],
  'issue.missing-party': ['Eine nötige Partei fehlt.', 'A required party is missing.'],
  'issue.missing-right-operand': ['Der Bedingung fehlt der Wert.', 'The constraint lacks its value.'],
  'issue.missing-type': ['Die Art der Richtlinie fehlt.', 'The policy type is missing.'],
  'issue.missing-uid': ['Die Kennung (uid) fehlt.', 'The identifier (uid) is missing.'],
  'issue.no-policy': ['Das ist keine ODRL-Richtlinie.', 'This is not an ODRL policy.'],
  'issue.no-rules': ['Die Richtlinie enthält keine Regel.', 'The policy contains no rule.'],
  'issue.not-a-rule': ['Das ist keine Regel.', 'This is not a rule.'],
  'issue.not-an-iri': ['Hier wird eine IRI erwartet.', 'An IRI is expected here.'],
  'issue.not-an-object': ['Hier wird ein JSON-Objekt erwartet.', 'A JSON object is expected here.'],
  'issue.operator-mismatch': [
    'Der Operator passt nicht zum Operanden.',
    'The operator does not fit the operand.',
  ],
  'issue.shadowed-rule': [
    'Diese Regel wird von einer anderen immer überdeckt.',
    'Another rule always overrides this one.',
  ],
  'issue.too-many-values': ['Zu viele Werte für diesen Operator.', 'Too many values for this operator.'],
  'issue.undeclared-profile': [
    'Begriffe eines Profils ohne Profilangabe.',
    'Profile terms without a declared profile.',
  ],
  'issue.unfulfillable-duty': ['Diese Pflicht kann niemand erfüllen.', 'Nobody can fulfil this duty.'],
  'issue.unknown-action': ['Unbekannte Handlung.', 'Unknown action.'],
  'issue.unknown-left-operand': ['Unbekannter linker Operand.', 'Unknown left operand.'],
  'issue.unknown-operator': ['Unbekannter Operator.', 'Unknown operator.'],
  'issue.unknown-policy-type': ['Unbekannte Art der Richtlinie.', 'Unknown policy type.'],
  'issue.unknown-profile': ['Unbekanntes Profil.', 'Unknown profile.'],
  'issue.unsatisfiable-constraint': [
    'Diese Bedingungen können nie zugleich erfüllt sein.',
    'These constraints can never hold together.',
  ],
  'issue.expired-rule': ['Die Erlaubnis ist abgelaufen.', 'The permission has expired.'],
})

interface Issue {
  path: string
  code: string
  message: string
}

interface CheckResult {
  errors: Issue[]
  warnings: Issue[]
  explanation?: { heading: string; sentences: string[] }
}

interface Template {
  name: string
  title: { de: string; en: string }
  description: { de: string; en: string }
  parameters: { name: string; type: string; description: { de: string; en: string }; default?: string }[]
}

interface Purpose {
  iri: string
  label: { de: string; en: string }
  name?: string
}

/** Where the open policy came from and where "save" puts it. */
type Origin = { kind: 'new' } | { kind: 'offer'; dataset: DatasetRecord; index: number }

const INPUT_TYPES: Readonly<Record<string, string>> = { date: 'date', count: 'number', decimal: 'number' }

function issueText(issue: Issue): HTMLElement {
  const key = `issue.${issue.code}`
  const own = t(key)
  return h(
    'span',
    {},
    own === key ? '' : `${own} `,
    h('span', { lang: 'en', class: 'detail' }, issue.message),
  )
}

/** The editor of one open policy: views, live check, words, dry run, save. */
class Editor {
  private readonly views = h('div', {})
  private readonly checkPanel = h('div', { 'aria-live': 'polite' })
  private readonly wordsPanel = h('div', { 'aria-live': 'polite', class: 'explanation' })
  private readonly status = h('div', { 'aria-live': 'polite' })
  private readonly saveButton = h('button', { type: 'button' }, t('pol.save'))
  private view: 'form' | 'tree' | 'json' = 'tree'
  private timer: ReturnType<typeof setTimeout> | undefined
  private errors: Issue[] = []

  constructor(
    private doc: JsonObject,
    private readonly origin: Origin,
    private readonly vocab: Vocabulary & { purposes: Purpose[] },
  ) {}

  element(): HTMLElement {
    const tabs = (['form', 'tree', 'json'] as const).map((v) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${v}`,
          'aria-controls': 'policy-view',
          'aria-selected': String(this.view === v),
          tabindex: this.view === v ? '0' : '-1',
          onclick: () => this.show(v),
          onkeydown: (e: Event) => this.tabKeys(e as KeyboardEvent, v),
        },
        t(v === 'form' ? 'pol.tabForm' : v === 'tree' ? 'pol.tabTree' : 'pol.tabJson'),
      ),
    )
    this.saveButton.addEventListener('click', () => void this.save())
    const what =
      this.origin.kind === 'offer'
        ? t('pol.editingOffer', { n: this.origin.index + 1, title: this.origin.dataset.title })
        : t('pol.editingNew')
    const root = h(
      'section',
      { 'aria-labelledby': 'editor-h', class: 'editor' },
      h('h2', { id: 'editor-h' }, t('pol.editor')),
      h('p', {}, t('pol.editing', { what })),
      h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('pol.views') }, tabs),
      h('div', { id: 'policy-view', role: 'tabpanel', 'aria-labelledby': `tab-${this.view}` }, this.views),
      h(
        'section',
        { 'aria-labelledby': 'check-h' },
        h('h3', { id: 'check-h' }, t('pol.check')),
        this.checkPanel,
      ),
      h(
        'section',
        { 'aria-labelledby': 'words-h' },
        h('h3', { id: 'words-h' }, t('pol.words')),
        this.wordsPanel,
      ),
      this.dryRun(),
      h(
        'div',
        { class: 'row actions' },
        this.origin.kind === 'offer' ? this.saveButton : null,
        h(
          'button',
          {
            type: 'button',
            class: this.origin.kind === 'offer' ? 'secondary' : '',
            onclick: () => {
              setDraftOffer(this.doc)
              location.hash = '#/katalog?new=1'
            },
          },
          t('pol.toDataset'),
        ),
        h(
          'button',
          { type: 'button', class: 'secondary', onclick: () => this.download() },
          t('pol.download'),
        ),
      ),
      this.status,
    )
    this.renderView()
    this.check()
    return root
  }

  private tabKeys(event: KeyboardEvent, current: 'form' | 'tree' | 'json'): void {
    const order = ['form', 'tree', 'json'] as const
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0
    if (step === 0) return
    event.preventDefault()
    const next = order[(order.indexOf(current) + step + order.length) % order.length]!
    this.show(next)
    document.getElementById(`tab-${next}`)?.focus()
  }

  private show(view: 'form' | 'tree' | 'json'): void {
    this.view = view
    for (const v of ['form', 'tree', 'json']) {
      const tab = document.getElementById(`tab-${v}`)
      tab?.setAttribute('aria-selected', String(v === view))
      tab?.setAttribute('tabindex', v === view ? '0' : '-1')
    }
    document.getElementById('policy-view')?.setAttribute('aria-labelledby', `tab-${view}`)
    this.renderView()
  }

  private renderView(): void {
    const changed = (structural: boolean) => {
      if (structural) this.renderView()
      this.scheduleCheck()
    }
    if (this.view === 'tree') {
      replace(this.views, new PolicyTree(this.doc, this.vocab, changed).render())
    } else if (this.view === 'form') {
      replace(this.views, commonForm(this.doc, this.vocab.purposes, changed))
    } else {
      const text = h('textarea', { id: uid('json'), rows: '24', spellcheck: 'false' })
      text.value = JSON.stringify(this.doc, null, 2)
      const problem = h('p', { class: 'bad', 'aria-live': 'polite' })
      text.addEventListener('input', () => {
        try {
          this.doc = JSON.parse(text.value) as JsonObject
          text.removeAttribute('aria-invalid')
          problem.textContent = ''
          this.scheduleCheck()
        } catch (error) {
          text.setAttribute('aria-invalid', 'true')
          problem.textContent = t('pol.notJson', { message: (error as Error).message })
        }
      })
      replace(this.views, field(t('pol.jsonLabel'), text), problem)
    }
    this.markFaults()
  }

  private scheduleCheck(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = setTimeout(() => this.check(), 250)
  }

  private async check(): Promise<void> {
    try {
      const result = await post<CheckResult>('/api/v1/policy/check', {
        policy: this.doc,
        lang: lang(),
        labels: knownNames(),
      })
      this.errors = result.errors
      const list = (issues: Issue[], cls: string) =>
        h(
          'ul',
          { class: `issues ${cls}` },
          issues.map((issue) =>
            h(
              'li',
              {},
              h('code', {}, issue.path === '' ? '/' : issue.path),
              ': ',
              issueText(issue),
              ' ',
              h(
                'button',
                { type: 'button', class: 'secondary small', onclick: () => this.goTo(issue.path) },
                t('pol.goTo'),
              ),
            ),
          ),
        )
      replace(
        this.checkPanel,
        result.errors.length === 0
          ? h('p', { class: 'ok' }, t('pol.valid'))
          : [
              h('p', { class: 'bad' }, t('pol.errors', { n: result.errors.length })),
              list(result.errors, 'bad'),
            ],
        result.warnings.length === 0
          ? null
          : [
              h('p', { class: 'warn' }, t('pol.warnings', { n: result.warnings.length })),
              list(result.warnings, 'warn'),
            ],
      )
      replace(
        this.wordsPanel,
        result.explanation === undefined
          ? h('p', {}, t('pol.noWords'))
          : [
              h('p', {}, h('strong', {}, result.explanation.heading)),
              result.explanation.sentences.map((s) => h('p', {}, s)),
            ],
      )
      this.saveButton.disabled = result.errors.length > 0
      this.saveButton.title = result.errors.length > 0 ? t('pol.saveBlocked') : ''
      this.markFaults()
    } catch (error) {
      replace(this.checkPanel, errorBox(error))
    }
  }

  /** Marks the tree nodes the errors point at (and the inputs in them) as invalid. */
  private markFaults(): void {
    for (const el of this.views.querySelectorAll('.faulty')) el.classList.remove('faulty')
    for (const el of this.views.querySelectorAll('[aria-invalid]'))
      if (el.tagName !== 'TEXTAREA') el.removeAttribute('aria-invalid')
    for (const issue of this.errors) {
      const node = this.nodeFor(issue.path)
      if (node === undefined) continue
      node.classList.add('faulty')
      if (node.matches('input, select')) node.setAttribute('aria-invalid', 'true')
    }
  }

  /** The element for a validator path, or the closest ancestor path that has one. */
  private nodeFor(path: string): HTMLElement | undefined {
    let p = path
    for (;;) {
      const el = this.views.querySelector<HTMLElement>(`[data-path="${CSS.escape(p)}"]`)
      if (el !== null) return el
      if (p === '') return undefined
      p = p.replace(/(\[\d+\]|\.[^.[]+|^[^.[]+)$/, '')
    }
  }

  private goTo(path: string): void {
    if (this.view !== 'tree') this.show('tree')
    const node = this.nodeFor(path)
    const target = node?.matches('input, select')
      ? node
      : node?.querySelector<HTMLElement>('input, select, button')
    target?.focus()
    node?.scrollIntoView({ block: 'center' })
  }

  private dryRun(): HTMLElement {
    const action = h('input', { type: 'text', value: 'use' })
    const assignee = h('input', { type: 'text' })
    const target = h('input', { type: 'text' })
    const now = h('input', { type: 'datetime-local' })
    const purpose = h(
      'select',
      {},
      h('option', { value: '' }, t('pol.noPurpose')),
      this.vocab.purposes.map((p) => h('option', { value: p.iri }, p.label[lang()])),
    )
    const count = h('input', { type: 'number', min: '0', value: '1' })
    const member = h('input', { type: 'checkbox', id: uid('member'), checked: true })
    const out = h('div', { 'aria-live': 'polite' })
    const run = async (event: Event) => {
      event.preventDefault()
      try {
        // Without a target the request asks for the policy's own target, as a contract request would.
        const requested =
          target.value.trim() || iriText(this.doc[keyFor(this.doc, 'target') ?? 'target'] as Json)
        const who = assignee.value.trim()
        const result = await post<{
          decision: string
          asAgreed: boolean
          reasons: string[]
          reportTurtle: string
        }>('/api/v1/policy/evaluate', {
          policy: this.doc,
          request: {
            action: action.value.trim(),
            ...(who === '' ? {} : { assignee: who }),
            ...(requested === '' ? {} : { target: requested }),
          },
          state: {
            ...(now.value === '' ? {} : { now: new Date(now.value).toISOString() }),
            ...(purpose.value === '' ? {} : { purpose: purpose.value }),
            ...(who === '' ? {} : { recipient: who }),
            count: Number(count.value || 0),
            values: { 'https://w3id.org/allmende/odrl#dataSpaceMembership': member.checked },
          },
        })
        const word =
          result.decision === 'permit'
            ? 'pol.permit'
            : result.decision === 'deny'
              ? 'pol.deny'
              : 'pol.notApplicable'
        replace(
          out,
          h(
            'p',
            { class: result.decision === 'permit' ? 'ok' : 'bad', role: 'status' },
            h('strong', {}, `${t('pol.decision')}: `),
            t(word),
          ),
          result.asAgreed ? h('p', { class: 'hint' }, t('pol.asAgreed')) : null,
          result.reasons.length === 0
            ? null
            : [
                h('h4', {}, t('pol.reasons')),
                h(
                  'ul',
                  { lang: 'en' },
                  result.reasons.map((r) => h('li', {}, r)),
                ),
              ],
          h('details', {}, h('summary', {}, t('pol.report')), h('pre', {}, result.reportTurtle)),
        )
      } catch (error) {
        replace(out, errorBox(error))
      }
    }
    return h(
      'section',
      { 'aria-labelledby': 'dry-h' },
      h('h3', { id: 'dry-h' }, t('pol.dryRun')),
      h('p', { class: 'hint' }, t('pol.dryRunHint')),
      h(
        'form',
        { onsubmit: (e: Event) => void run(e) },
        h(
          'div',
          { class: 'grid' },
          h(
            'fieldset',
            {},
            h('legend', {}, t('pol.request')),
            field(t('pol.reqAction'), action),
            field(t('pol.reqAssignee'), assignee),
            field(t('pol.reqTarget'), target),
          ),
          h(
            'fieldset',
            {},
            h('legend', {}, t('pol.world')),
            field(t('pol.worldNow'), now),
            field(t('pol.worldPurpose'), purpose),
            field(t('pol.worldCount'), count),
            h(
              'div',
              { class: 'field check' },
              h('label', { for: member.id }, member, ` ${t('pol.worldMember')}`),
            ),
          ),
        ),
        h('button', { type: 'submit' }, t('pol.run')),
      ),
      out,
    )
  }

  private async save(): Promise<void> {
    if (this.origin.kind !== 'offer') return
    const { dataset, index } = this.origin
    const offers = dataset.offers.map((o, i) => (i === index ? { ...o, offer: this.doc } : o))
    try {
      const result = await put<{ dataset: DatasetRecord }>(`/api/v1/datasets/${enc(dataset.id)}`, { offers })
      this.origin.dataset = result.dataset
      replace(
        this.status,
        h('p', { class: 'notice', role: 'status' }, t('pol.saved', { v: result.dataset.version })),
      )
    } catch (error) {
      replace(this.status, errorBox(error))
    }
  }

  private download(): void {
    const blob = new Blob([`${JSON.stringify(this.doc, null, 2)}\n`], { type: 'application/ld+json' })
    const a = h('a', { href: URL.createObjectURL(blob), download: 'policy.jsonld' })
    a.click()
    URL.revokeObjectURL(a.href)
  }
}

function templateParams(ctx: PageContext, template: Template, open: (doc: JsonObject) => void): HTMLElement {
  const inputs = template.parameters.map((p) => {
    const input = h('input', {
      type: INPUT_TYPES[p.type] ?? 'text',
      name: p.name,
      ...(p.type === 'did' ? { list: 'known-dids' } : {}),
    })
    if (p.name === 'assigner') input.value = ctx.self.did
    else if (p.name === 'target') input.value = `urn:uuid:${crypto.randomUUID()}`
    else if (p.default !== undefined && p.default !== 'generate') input.value = p.default
    return { p, input }
  })
  const status = h('div', { 'aria-live': 'polite' })
  const headingId = uid('params')
  const known = Object.entries(knownNames())
  return h(
    'form',
    {
      'aria-labelledby': headingId,
      onsubmit: async (event: Event) => {
        event.preventDefault()
        const values = Object.fromEntries(
          inputs
            .filter(({ input }) => input.value.trim() !== '')
            .map(({ p, input }) => [p.name, input.value.trim()]),
        )
        try {
          const { policy } = await post<{ policy: JsonObject }>(
            `/api/v1/policy/templates/${enc(template.name)}`,
            { values },
          )
          open(policy)
        } catch (error) {
          replace(status, errorBox(error))
        }
      },
    },
    h('h3', { id: headingId }, t('pol.params', { title: template.title[lang()] })),
    h(
      'datalist',
      { id: 'known-dids' },
      known.map(([did, name]) => h('option', { value: did }, name)),
    ),
    inputs.map(({ p, input }) =>
      field(
        `${p.description[lang()]} (${p.name})`,
        input,
        p.name === 'target' ? t('pol.targetHint') : p.default === 'generate' ? undefined : undefined,
      ),
    ),
    h('button', { type: 'submit' }, t('pol.create')),
    status,
  )
}

async function render(ctx: PageContext): Promise<void> {
  const [vocab, { templates }, { datasets }] = await Promise.all([
    get<Vocabulary & { purposes: Purpose[] }>('/api/v1/policy/vocabulary'),
    get<{ templates: Template[] }>('/api/v1/policy/templates'),
    get<{ datasets: DatasetRecord[] }>('/api/v1/datasets'),
  ])
  const editorSlot = h('div', {})
  const open = (doc: JsonObject, origin: Origin) => {
    replace(editorSlot, new Editor(doc, origin, vocab).element())
    editorSlot.querySelector<HTMLElement>('h2')?.setAttribute('tabindex', '-1')
    editorSlot.querySelector<HTMLElement>('h2')?.focus()
  }
  const paramsSlot = h('div', {})
  const pasted = h('textarea', { rows: '6', spellcheck: 'false', id: uid('paste') })
  const pasteStatus = h('div', { 'aria-live': 'polite' })
  replace(
    ctx.main,
    h('h1', { tabindex: '-1' }, t('page.policies')),
    h(
      'section',
      { 'aria-labelledby': 'gallery-h' },
      h('h2', { id: 'gallery-h' }, t('pol.gallery')),
      h(
        'ul',
        { class: 'gallery plain' },
        templates.map((tpl) =>
          h(
            'li',
            { class: 'card' },
            h('h3', {}, tpl.title[lang()]),
            h('p', {}, tpl.description[lang()]),
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'aria-label': t('pol.useNamed', { title: tpl.title[lang()] }),
                onclick: () => {
                  replace(
                    paramsSlot,
                    templateParams(ctx, tpl, (doc) => open(doc, { kind: 'new' })),
                  )
                  paramsSlot.querySelector('input')?.focus()
                },
              },
              t('pol.use'),
            ),
          ),
        ),
      ),
      paramsSlot,
    ),
    h(
      'section',
      { 'aria-labelledby': 'open-h' },
      h('h2', { id: 'open-h' }, t('pol.open')),
      datasets.length === 0
        ? null
        : table(
            t('pol.openOffers'),
            [t('common.dataset'), t('cat.offer'), t('common.actions')],
            datasets.flatMap((d) =>
              d.offers.map((o, i) => [
                d.title,
                h('code', {}, String(o.offer['@id'] ?? o.offer.uid ?? i + 1)),
                h('a', { href: `#/richtlinien?dataset=${enc(d.id)}&offer=${i}` }, t('common.edit')),
              ]),
            ),
          ),
      field(t('pol.paste'), pasted),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          onclick: () => {
            try {
              open(JSON.parse(pasted.value) as JsonObject, { kind: 'new' })
              replace(pasteStatus)
            } catch (error) {
              replace(
                pasteStatus,
                h(
                  'p',
                  { class: 'bad', role: 'alert' },
                  t('pol.notJson', { message: (error as Error).message }),
                ),
              )
            }
          },
        },
        t('pol.openPasted'),
      ),
      pasteStatus,
    ),
    editorSlot,
  )
  const datasetId = ctx.params.get('dataset')
  if (datasetId !== null) {
    const dataset = datasets.find((d) => d.id === datasetId)
    const index = Number(ctx.params.get('offer') ?? 0)
    const entry = dataset?.offers[index]
    if (dataset !== undefined && entry !== undefined)
      open(structuredClone(entry.offer) as JsonObject, { kind: 'offer', dataset, index })
  }
}

export const policiesPage: Page = {
  path: 'richtlinien',
  title: 'page.policies',
  render,
}
