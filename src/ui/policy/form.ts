import { field, h, uid } from '../dom.js'
import { defineTexts, lang, t } from '../i18n.js'
import {
  addItem,
  arrayOf,
  iriText,
  isObject,
  type Json,
  type JsonObject,
  keyFor,
  listOf,
  termOf,
  valueText,
} from './json-ld.js'

defineTexts({
  'form.intro': [
    'Das Formular bearbeitet die häufigen Angaben der ersten Erlaubnis; alles andere bleibt, wie es ist (Baumansicht).',
    'The form edits the common statements of the first permission; everything else stays as it is (tree view).',
  ],
  'form.complex': [
    'Diese Richtlinie hat logische Bedingungen oder mehrere Erlaubnisse; das Formular zeigt nur die erste Erlaubnis.',
    'This policy has logical constraints or several permissions; the form shows the first permission only.',
  ],
  'form.purpose': ['Zweck', 'Purpose'],
  'form.anyPurpose': ['jeder Zweck', 'any purpose'],
  'form.from': ['Nutzung ab (Datum)', 'Use from (date)'],
  'form.until': ['Nutzung bis (Datum)', 'Use until (date)'],
  'form.count': ['Höchstzahl der Nutzungen', 'Maximum number of uses'],
  'form.membersOnly': [
    'Nur Mitglieder des Datenraums (IRI des Datenraums)',
    'Members of the data space only (data space IRI)',
  ],
  'form.partners': [
    'Benannte Partner (DIDs, durch Kommas getrennt)',
    'Named partners (DIDs, separated by commas)',
  ],
  'form.duties': ['Pflichten', 'Duties'],
  'form.deleteAfter': ['Löschen nach (ISO-Dauer, z. B. P30D)', 'Delete after (ISO duration, e.g. P30D)'],
  'form.inform': ['Anbieter bei jeder Nutzung informieren (DID)', 'Inform at every use (DID)'],
  'form.log': ['Nutzung protokollieren', 'Log every use'],
  'form.noDistribute': ['Weitergabe verbieten', 'Prohibit distribution'],
})

const MEMBERSHIP = 'https://w3id.org/allmende/odrl#dataSpaceMembership'

function leftOf(c: JsonObject): string {
  const v = iriText(c[keyFor(c, 'leftOperand') ?? 'leftOperand'] as Json)
  return v === 'allmende:dataSpaceMembership' || v === MEMBERSHIP ? 'membership' : termOf(v)
}

function opOf(c: JsonObject): string {
  return termOf(iriText(c[keyFor(c, 'operator') ?? 'operator'] as Json))
}

/** The atomic constraints of a rule that match, as [array, index] pairs. */
function find(rule: JsonObject, left: string, ops?: readonly string[]): JsonObject | undefined {
  return listOf(rule, keyFor(rule, 'constraint')).find(
    (c): c is JsonObject => isObject(c) && leftOf(c) === left && (ops === undefined || ops.includes(opOf(c))),
  )
}

/** Sets (or with an empty value removes) one constraint of the rule. */
function setConstraint(
  rule: JsonObject,
  left: string,
  ops: readonly string[],
  make: (() => JsonObject) | undefined,
): void {
  const key = keyFor(rule, 'constraint') ?? 'constraint'
  const existed = rule[key] !== undefined
  const list = existed ? arrayOf(rule, key) : []
  const index = list.findIndex((c) => isObject(c) && leftOf(c) === left && ops.includes(opOf(c)))
  if (make === undefined) {
    if (index >= 0) list.splice(index, 1)
  } else if (index >= 0) list[index] = make()
  else list.push(make())
  if (list.length === 0) delete rule[key]
  else if (!existed) rule[key] = list
}

function duty(rule: JsonObject, action: string): { list: Json[]; index: number } {
  const list = listOf(rule, keyFor(rule, 'duty'))
  return {
    list,
    index: list.findIndex(
      (d) => isObject(d) && termOf(iriText(d[keyFor(d, 'action') ?? 'action'] as Json)) === action,
    ),
  }
}

function setDuty(rule: JsonObject, action: string, make: (() => JsonObject) | undefined): void {
  const key = keyFor(rule, 'duty') ?? 'duty'
  const existed = rule[key] !== undefined
  const list = existed ? arrayOf(rule, key) : []
  const { index } = duty(rule, action)
  if (make === undefined) {
    if (index >= 0) list.splice(index, 1)
  } else if (index >= 0) list[index] = make()
  else list.push(make())
  if (list.length === 0) delete rule[key]
  else if (!existed) rule[key] = list
}

function input(type: string, value: string): HTMLInputElement {
  const el = h('input', { type, id: uid('cf') })
  el.value = value
  return el
}

/**
 * The form for the common shapes of an offer (purpose, time window, count, members only, named
 * partners, delete/inform/log duties, no distribution). It edits the first permission in place.
 */
export function commonForm(
  doc: JsonObject,
  purposes: readonly { iri: string; label: { de: string; en: string } }[],
  changed: (structural: boolean) => void,
): HTMLElement {
  const permKey = keyFor(doc, 'permission') ?? 'permission'
  const permissions = listOf(doc, permKey)
  // Reading never changes the document: a missing permission is added at the first edit.
  const rule: JsonObject = isObject(permissions[0]) ? permissions[0] : { action: 'use' }
  const attach = () => {
    if (!listOf(doc, permKey).includes(rule)) addItem(doc, 'permission', rule)
  }
  const complex =
    permissions.length > 1 ||
    listOf(rule, keyFor(rule, 'constraint')).some(
      (c) => isObject(c) && ['and', 'or', 'xone', 'andSequence'].some((op) => keyFor(c, op) !== undefined),
    )

  const purposeNow = find(rule, 'purpose')
  const purpose = h(
    'select',
    { id: uid('cf') },
    h('option', { value: '' }, t('form.anyPurpose')),
    purposes.map((p) => h('option', { value: p.iri }, p.label[lang()])),
  )
  purpose.value =
    purposeNow === undefined
      ? ''
      : valueText(purposeNow[keyFor(purposeNow, 'rightOperand') ?? 'rightOperand'] as Json)
  const dateOf = (c: JsonObject | undefined) =>
    c === undefined ? '' : valueText(c[keyFor(c, 'rightOperand') ?? 'rightOperand'] as Json).slice(0, 10)
  const from = input('date', dateOf(find(rule, 'dateTime', ['gt', 'gteq'])))
  const until = input('date', dateOf(find(rule, 'dateTime', ['lt', 'lteq'])))
  const countNow = find(rule, 'count', ['lt', 'lteq'])
  const count = input(
    'number',
    countNow === undefined
      ? ''
      : valueText(countNow[keyFor(countNow, 'rightOperand') ?? 'rightOperand'] as Json),
  )
  count.min = '1'
  const memberNow = find(rule, 'membership')
  const member = input(
    'text',
    memberNow === undefined
      ? ''
      : valueText(memberNow[keyFor(memberNow, 'rightOperand') ?? 'rightOperand'] as Json),
  )
  const assigneeKey = keyFor(doc, 'assignee') ?? 'assignee'
  const partnersNow =
    doc[assigneeKey] === undefined
      ? []
      : (Array.isArray(doc[assigneeKey]) ? (doc[assigneeKey] as Json[]) : [doc[assigneeKey] as Json]).map(
          iriText,
        )
  const partners = input('text', partnersNow.join(', '))
  const deleteNow = duty(rule, 'delete')
  const deleteDuty = deleteNow.index >= 0 ? (deleteNow.list[deleteNow.index] as JsonObject) : undefined
  const delay = deleteDuty === undefined ? undefined : find(deleteDuty, 'delayPeriod')
  const deleteAfter = input(
    'text',
    delay === undefined ? '' : valueText(delay[keyFor(delay, 'rightOperand') ?? 'rightOperand'] as Json),
  )
  const informNow = duty(rule, 'inform')
  const informDuty = informNow.index >= 0 ? (informNow.list[informNow.index] as JsonObject) : undefined
  const inform = input(
    'text',
    informDuty === undefined
      ? ''
      : iriText(informDuty[keyFor(informDuty, 'informedParty') ?? 'informedParty'] as Json),
  )
  const log = h('input', { type: 'checkbox', id: uid('cf') })
  log.checked = duty(rule, 'allmende:log').index >= 0 || duty(rule, 'log').index >= 0
  const prohibitionKey = keyFor(doc, 'prohibition') ?? 'prohibition'
  const hasNoDistribute = () =>
    listOf(doc, prohibitionKey).some(
      (p) => isObject(p) && termOf(iriText(p[keyFor(p, 'action') ?? 'action'] as Json)) === 'distribute',
    )
  const noDistribute = h('input', { type: 'checkbox', id: uid('cf') })
  noDistribute.checked = hasNoDistribute()

  const on = (el: HTMLElement, write: () => void) =>
    el.addEventListener(el instanceof HTMLInputElement && el.type === 'checkbox' ? 'change' : 'input', () => {
      attach()
      write()
      changed(false)
    })
  on(purpose, () =>
    setConstraint(
      rule,
      'purpose',
      ['isA', 'eq'],
      purpose.value === ''
        ? undefined
        : () => ({ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': purpose.value } }),
    ),
  )
  const dateConstraint = (op: string, el: HTMLInputElement) => () => ({
    leftOperand: 'dateTime',
    operator: op,
    rightOperand: { '@value': el.value, '@type': 'xsd:date' },
  })
  on(from, () =>
    setConstraint(
      rule,
      'dateTime',
      ['gt', 'gteq'],
      from.value === '' ? undefined : dateConstraint('gteq', from),
    ),
  )
  on(until, () =>
    setConstraint(
      rule,
      'dateTime',
      ['lt', 'lteq'],
      until.value === '' ? undefined : dateConstraint('lteq', until),
    ),
  )
  on(count, () =>
    setConstraint(
      rule,
      'count',
      ['lt', 'lteq'],
      count.value === ''
        ? undefined
        : () => ({ leftOperand: 'count', operator: 'lteq', rightOperand: Number(count.value) }),
    ),
  )
  on(member, () =>
    setConstraint(
      rule,
      'membership',
      ['eq', 'isAnyOf'],
      member.value.trim() === ''
        ? undefined
        : () => ({
            leftOperand: 'allmende:dataSpaceMembership',
            operator: 'eq',
            rightOperand: { '@id': member.value.trim() },
          }),
    ),
  )
  on(partners, () => {
    const dids = partners.value
      .split(',')
      .map((d) => d.trim())
      .filter((d) => d !== '')
    if (dids.length === 0) delete doc[assigneeKey]
    else doc[assigneeKey] = dids.length === 1 ? (dids[0] as string) : dids
  })
  on(deleteAfter, () =>
    setDuty(
      rule,
      'delete',
      deleteAfter.value.trim() === ''
        ? undefined
        : () => ({
            action: 'delete',
            constraint: [
              {
                leftOperand: 'delayPeriod',
                operator: 'eq',
                rightOperand: { '@value': deleteAfter.value.trim(), '@type': 'xsd:duration' },
              },
            ],
          }),
    ),
  )
  on(inform, () =>
    setDuty(
      rule,
      'inform',
      inform.value.trim() === ''
        ? undefined
        : () => ({ action: 'inform', informedParty: inform.value.trim() }),
    ),
  )
  on(log, () => {
    setDuty(rule, 'allmende:log', log.checked ? () => ({ action: 'allmende:log' }) : undefined)
    if (!log.checked) setDuty(rule, 'log', undefined)
  })
  on(noDistribute, () => {
    if (noDistribute.checked && !hasNoDistribute()) addItem(doc, 'prohibition', { action: 'distribute' })
    if (!noDistribute.checked && doc[prohibitionKey] !== undefined) {
      const list = arrayOf(doc, prohibitionKey)
      const index = list.findIndex(
        (p) => isObject(p) && termOf(iriText(p[keyFor(p, 'action') ?? 'action'] as Json)) === 'distribute',
      )
      if (index >= 0) list.splice(index, 1)
      if (list.length === 0) delete doc[prohibitionKey]
    }
  })
  const check = (el: HTMLInputElement, label: string) =>
    h('div', { class: 'field check' }, h('label', { for: el.id }, el, ` ${label}`))
  return h(
    'div',
    { class: 'common-form' },
    h('p', { class: 'hint' }, t('form.intro')),
    complex ? h('p', { class: 'notice' }, t('form.complex')) : null,
    field(t('form.purpose'), purpose),
    h('div', { class: 'row' }, field(t('form.from'), from), field(t('form.until'), until)),
    field(t('form.count'), count),
    field(t('form.membersOnly'), member),
    field(t('form.partners'), partners),
    h(
      'fieldset',
      {},
      h('legend', {}, t('form.duties')),
      field(t('form.deleteAfter'), deleteAfter),
      field(t('form.inform'), inform),
      check(log, t('form.log')),
    ),
    check(noDistribute, t('form.noDistribute')),
  )
}
