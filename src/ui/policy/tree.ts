import { type Child, h, uid } from '../dom.js'
import { defineTexts, t } from '../i18n.js'
import {
  addItem,
  iriText,
  isObject,
  itemsOf,
  type Json,
  type JsonObject,
  joinPath,
  keyFor,
  makeValue,
  removeItem,
  setItem,
  termOf,
  type ValueKind,
  valueKind,
  valueText,
} from './json-ld.js'

defineTexts({
  'tree.policy': ['Richtlinie', 'Policy'],
  'tree.type': ['Art', 'Type'],
  'tree.uid': ['Kennung (uid)', 'Identifier (uid)'],
  'tree.profile': ['Profil', 'Profile'],
  'tree.conflict': ['Bei Widerspruch', 'On conflict'],
  'tree.conflictPerm': ['Erlaubnis geht vor', 'permission prevails'],
  'tree.conflictProhibit': ['Verbot geht vor', 'prohibition prevails'],
  'tree.conflictInvalid': ['Richtlinie ungültig', 'policy void'],
  'tree.assigner': ['Anbieter (assigner)', 'Provider (assigner)'],
  'tree.assignee': ['Empfänger (assignee)', 'Recipient (assignee)'],
  'tree.target': ['Datensatz (target)', 'Dataset (target)'],
  'tree.informedParty': ['Zu informieren (informedParty)', 'To inform (informedParty)'],
  'tree.permission': ['Erlaubnis', 'Permission'],
  'tree.prohibition': ['Verbot', 'Prohibition'],
  'tree.obligation': ['Pflicht (obligation)', 'Obligation'],
  'tree.duty': ['Pflicht (duty)', 'Duty'],
  'tree.remedy': ['Abhilfe (remedy)', 'Remedy'],
  'tree.consequence': ['Folge (consequence)', 'Consequence'],
  'tree.action': ['Handlung', 'Action'],
  'tree.constraint': ['Bedingung', 'Constraint'],
  'tree.refinement': ['Verfeinerung', 'Refinement'],
  'tree.logical': ['Logische Bedingung', 'Logical constraint'],
  'tree.and': ['alle (and)', 'all (and)'],
  'tree.or': ['mindestens eine (or)', 'at least one (or)'],
  'tree.xone': ['genau eine (xone)', 'exactly one (xone)'],
  'tree.andSequence': ['alle, der Reihe nach (andSequence)', 'all, in order (andSequence)'],
  'tree.leftOperand': ['Linker Operand', 'Left operand'],
  'tree.operator': ['Operator', 'Operator'],
  'tree.rightOperand': ['Wert', 'Value'],
  'tree.valueKind': ['Art des Werts', 'Kind of value'],
  'tree.kind.iri': ['IRI', 'IRI'],
  'tree.kind.text': ['Text', 'text'],
  'tree.kind.number': ['Zahl', 'number'],
  'tree.kind.date': ['Datum', 'date'],
  'tree.kind.dateTime': ['Datum und Uhrzeit', 'date and time'],
  'tree.kind.duration': ['Dauer (ISO 8601)', 'duration (ISO 8601)'],
  'tree.addValue': ['Wert hinzufügen', 'Add value'],
  'tree.add': ['{what} hinzufügen', 'Add {what}'],
  'tree.remove': ['{what} entfernen', 'Remove {what}'],
  'tree.other': ['Weitere Angaben (bleiben unverändert)', 'Further statements (kept unchanged)'],
  'tree.unit': ['Einheit', 'Unit'],
  'tree.members': ['Teilbedingungen', 'Members'],
  'tree.collection': ['Gruppe mit Verfeinerung', 'Collection with refinement'],
})

/** Terms for datalists: the engine's vocabulary (`GET /api/v1/policy/vocabulary`). */
export interface Vocabulary {
  readonly operators: readonly string[]
  readonly actions: readonly string[]
  readonly leftOperands: readonly { readonly name: string }[]
}

const RULE_CHILDREN: Readonly<Record<string, readonly string[]>> = {
  permission: ['duty'],
  prohibition: ['remedy'],
  obligation: ['consequence'],
  duty: ['consequence'],
  remedy: [],
  consequence: [],
}
const LOGICAL = ['and', 'or', 'xone', 'andSequence'] as const
const PARTY_TERMS = [
  'assigner',
  'assignee',
  'informedParty',
  'attributedParty',
  'compensatedParty',
  'consentingParty',
  'trackingParty',
]
/** Keys the tree shows as fields; every other key is listed read-only and kept. */
const POLICY_KNOWN = new Set([
  '@type',
  'uid',
  '@id',
  'profile',
  'conflict',
  'target',
  'action',
  'permission',
  'prohibition',
  'obligation',
  ...PARTY_TERMS,
])
const RULE_KNOWN = new Set([
  'action',
  'target',
  'constraint',
  'duty',
  'remedy',
  'consequence',
  '@type',
  ...PARTY_TERMS,
])

/** Builds the tree editor for a policy document; `changed` is called after every edit of `doc`. */
export class PolicyTree {
  private readonly lists: Record<string, string> = {}

  constructor(
    private readonly doc: JsonObject,
    private readonly vocab: Vocabulary,
    private readonly changed: (structural: boolean) => void,
  ) {}

  render(): HTMLElement {
    const datalists = [
      this.datalist('actions', this.vocab.actions.map(short)),
      this.datalist('operators', this.vocab.operators),
      this.datalist(
        'operands',
        this.vocab.leftOperands.map((o) => o.name),
      ),
    ]
    return h('div', { class: 'tree' }, datalists, this.policyNode())
  }

  private datalist(name: string, values: readonly string[]): HTMLElement {
    const id = uid(`dl-${name}`)
    this.lists[name] = id
    return h(
      'datalist',
      { id },
      values.map((v) => h('option', { value: v })),
    )
  }

  /** One text input bound to `node[key]` (a string or `{@id}`), with its label. */
  private textField(node: JsonObject, key: string, label: string, path: string, list?: string): HTMLElement {
    const id = uid('t')
    const value = node[key]
    const input = h('input', {
      type: 'text',
      id,
      'data-path': path,
      ...(list === undefined ? {} : { list: this.lists[list] }),
    })
    input.value = iriText(value as Json) || (typeof value === 'number' ? String(value) : '')
    input.addEventListener('input', () => {
      const previous = node[key]
      node[key] =
        isObject(previous) && typeof previous['@id'] === 'string'
          ? { ...previous, '@id': input.value }
          : input.value
      this.changed(false)
    })
    return h('div', { class: 'field' }, h('label', { for: id }, label), input)
  }

  private removeButton(what: string, remove: () => void): HTMLElement {
    return h(
      'button',
      {
        type: 'button',
        class: 'secondary small',
        onclick: () => {
          remove()
          this.changed(true)
        },
      },
      t('tree.remove', { what }),
    )
  }

  private addButton(what: string, add: () => void): HTMLElement {
    return h(
      'button',
      {
        type: 'button',
        class: 'secondary small',
        onclick: () => {
          add()
          this.changed(true)
        },
      },
      t('tree.add', { what }),
    )
  }

  /** Keys this view does not edit, shown as JSON so nothing is hidden. */
  private others(node: JsonObject, known: ReadonlySet<string>): Child {
    const rest = Object.keys(node).filter((k) => !known.has(termOf(k)) && k !== '@context')
    if (rest.length === 0) return null
    return h(
      'details',
      {},
      h('summary', {}, t('tree.other')),
      h('pre', {}, JSON.stringify(Object.fromEntries(rest.map((k) => [k, node[k]])), null, 2)),
    )
  }

  private policyNode(): HTMLElement {
    const doc = this.doc
    const typeKey = '@type'
    const type = h(
      'select',
      { id: uid('type'), 'data-path': '' },
      ['Offer', 'Agreement', 'Set', 'Policy'].map((v) => h('option', { value: v }, v)),
    )
    type.value = String(doc[typeKey] ?? 'Set')
    type.addEventListener('change', () => {
      doc[typeKey] = type.value
      this.changed(false)
    })
    const conflictKey = keyFor(doc, 'conflict') ?? 'conflict'
    const conflict = h(
      'select',
      { id: uid('conflict') },
      h('option', { value: '' }, '–'),
      h('option', { value: 'perm' }, t('tree.conflictPerm')),
      h('option', { value: 'prohibit' }, t('tree.conflictProhibit')),
      h('option', { value: 'invalid' }, t('tree.conflictInvalid')),
    )
    conflict.value = iriText(doc[conflictKey]).replace(/^.*[/#:]/, '')
    conflict.addEventListener('change', () => {
      if (conflict.value === '') delete doc[conflictKey]
      else doc[conflictKey] = conflict.value
      this.changed(false)
    })
    const uidKey = keyFor(doc, 'uid') ?? (doc['@id'] === undefined ? 'uid' : '@id')
    return h(
      'div',
      { class: 'node policy', 'data-path': '', role: 'group', 'aria-label': t('tree.policy') },
      h('p', { class: 'node-title' }, t('tree.policy')),
      h('div', { class: 'field' }, h('label', { for: type.id }, t('tree.type')), type),
      this.textField(doc, uidKey, t('tree.uid'), joinPath('', uidKey)),
      keyFor(doc, 'profile') === undefined
        ? null
        : this.textField(doc, keyFor(doc, 'profile')!, t('tree.profile'), 'profile'),
      this.parties(doc, ''),
      h('div', { class: 'field' }, h('label', { for: conflict.id }, t('tree.conflict')), conflict),
      keyFor(doc, 'action') === undefined ? null : this.actions(doc, ''),
      ['permission', 'prohibition', 'obligation'].map((role) => this.ruleList(doc, role, '')),
      this.others(doc, POLICY_KNOWN),
    )
  }

  /** Parties and target of a policy or rule: strings, `{@id}` or collections with refinements. */
  private parties(node: JsonObject, base: string): Child[] {
    const labels: Record<string, string> = {
      assigner: t('tree.assigner'),
      assignee: t('tree.assignee'),
      target: t('tree.target'),
      informedParty: t('tree.informedParty'),
    }
    return ['target', ...PARTY_TERMS].flatMap((term) => {
      const key = keyFor(node, term)
      if (key === undefined) return []
      return itemsOf(node, key, base).map(({ value, path, index }) => {
        const label = labels[term] ?? term
        if (isObject(value) && (keyFor(value, 'refinement') !== undefined || value['@id'] === undefined)) {
          return h(
            'div',
            {
              class: 'node',
              'data-path': path,
              role: 'group',
              'aria-label': `${label}: ${t('tree.collection')}`,
            },
            h('p', { class: 'node-title' }, `${label}: ${t('tree.collection')}`),
            keyFor(value, 'source') === undefined
              ? null
              : this.textField(value, keyFor(value, 'source')!, 'source', joinPath(path, 'source')),
            this.constraintList(value, 'refinement', path, t('tree.refinement')),
            this.others(value, new Set(['refinement', 'source', '@type'])),
          )
        }
        return this.itemField(node, key, index, value, `${label}${index > 0 ? ` ${index + 1}` : ''}`, path)
      })
    })
  }

  /** A text input for one item of a property (single value or array element). */
  private itemField(
    node: JsonObject,
    key: string,
    index: number,
    value: Json,
    label: string,
    path: string,
    list?: string,
  ): HTMLElement {
    const id = uid('i')
    const input = h('input', {
      type: 'text',
      id,
      'data-path': path,
      ...(list === undefined ? {} : { list: this.lists[list] }),
    })
    input.value = iriText(value)
    input.addEventListener('input', () => {
      setItem(node, key, index, isObject(value) ? { ...value, '@id': input.value } : input.value)
      value = isObject(value) ? { ...value, '@id': input.value } : input.value
      this.changed(false)
    })
    return h('div', { class: 'field' }, h('label', { for: id }, label), input)
  }

  private actions(node: JsonObject, base: string): Child[] {
    const key = keyFor(node, 'action')
    if (key === undefined) return []
    return itemsOf(node, key, base).map(({ value, path, index }) => {
      if (isObject(value)) {
        const valueKey = keyFor(value, 'value') ?? 'rdf:value'
        return h(
          'div',
          { class: 'node', 'data-path': path, role: 'group', 'aria-label': t('tree.action') },
          this.itemField(value, valueKey, -1, value[valueKey] as Json, t('tree.action'), path, 'actions'),
          this.constraintList(value, 'refinement', path, t('tree.refinement')),
        )
      }
      return this.itemField(node, key, index, value, t('tree.action'), path, 'actions')
    })
  }

  private ruleList(node: JsonObject, role: string, base: string): HTMLElement {
    const key = keyFor(node, role)
    const what = t(`tree.${role}`)
    const items = key === undefined ? [] : itemsOf(node, key, base)
    return h(
      'section',
      { class: 'rules', 'aria-label': what },
      h(
        'ul',
        {},
        items.map(({ value, path, index }) =>
          h(
            'li',
            {},
            isObject(value)
              ? this.rule(value, role, path, () => removeItem(node, key!, index))
              : h('pre', {}, JSON.stringify(value)),
          ),
        ),
      ),
      this.addButton(what, () =>
        addItem(node, role, { action: role === 'prohibition' ? 'distribute' : 'use' }),
      ),
    )
  }

  private rule(rule: JsonObject, role: string, path: string, remove: () => void): HTMLElement {
    const what = t(`tree.${role}`)
    const actionKey = keyFor(rule, 'action')
    return h(
      'div',
      { class: 'node rule', 'data-path': path, role: 'group', 'aria-label': what },
      h('p', { class: 'node-title' }, what, ' ', h('span', { class: 'kind' }, path)),
      actionKey === undefined
        ? this.addButton(t('tree.action'), () => addItem(rule, 'action', 'use'))
        : this.actions(rule, path),
      this.parties(rule, path),
      this.constraintList(rule, 'constraint', path, t('tree.constraint')),
      (RULE_CHILDREN[role] ?? []).map((child) => this.ruleList(rule, child, path)),
      this.others(rule, RULE_KNOWN),
      this.removeButton(what, remove),
    )
  }

  /** Constraints or refinements: atomic and logical ones, each removable, both kinds addable. */
  private constraintList(node: JsonObject, term: string, base: string, what: string): HTMLElement {
    const key = keyFor(node, term)
    const items = key === undefined ? [] : itemsOf(node, key, base)
    return h(
      'div',
      { class: 'constraints' },
      h(
        'ul',
        { 'aria-label': what },
        items.map(({ value, path, index }) =>
          h(
            'li',
            {},
            this.constraint(value, path, what, () => removeItem(node, key!, index)),
          ),
        ),
      ),
      h(
        'div',
        { class: 'row' },
        this.addButton(what, () =>
          addItem(node, term, {
            leftOperand: 'dateTime',
            operator: 'lteq',
            rightOperand: { '@value': '', '@type': 'xsd:date' },
          }),
        ),
        this.addButton(`${t('tree.logical')} (${what})`, () =>
          addItem(node, term, {
            or: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': '' } }],
          }),
        ),
      ),
    )
  }

  private constraint(value: Json, path: string, what: string, remove: () => void): HTMLElement {
    if (!isObject(value)) return h('pre', { 'data-path': path }, JSON.stringify(value))
    const logicalKey = LOGICAL.map((op) => keyFor(value, op)).find((k) => k !== undefined)
    if (logicalKey !== undefined) return this.logical(value, logicalKey, path, remove)
    return this.atomic(value, path, what, remove)
  }

  private logical(node: JsonObject, key: string, path: string, remove: () => void): HTMLElement {
    const operand = h(
      'select',
      { id: uid('op') },
      LOGICAL.map((op) => h('option', { value: op }, t(`tree.${op}`))),
    )
    operand.value = termOf(key)
    let current = key
    operand.addEventListener('change', () => {
      // Rename the operand key, keeping its members and the order of the other keys.
      const renamed = key.startsWith('odrl:') ? `odrl:${operand.value}` : operand.value
      const entries = Object.entries(node).map(([k, v]) => [k === current ? renamed : k, v] as const)
      for (const k of Object.keys(node)) delete node[k]
      Object.assign(node, Object.fromEntries(entries))
      current = renamed
      this.changed(true)
    })
    const members = itemsOf(node, key, path)
    return h(
      'div',
      { class: 'node logical', 'data-path': path, role: 'group', 'aria-label': t('tree.logical') },
      h('p', { class: 'node-title' }, t('tree.logical'), ' ', h('span', { class: 'kind' }, path)),
      h('div', { class: 'field' }, h('label', { for: operand.id }, t('tree.operator')), operand),
      h(
        'ul',
        { 'aria-label': t('tree.members') },
        members.map(({ value, path: p, index }) =>
          h(
            'li',
            {},
            this.constraint(value, p, t('tree.constraint'), () => removeItem(node, key, index)),
          ),
        ),
      ),
      this.addButton(t('tree.constraint'), () =>
        addItem(node, termOf(key), { leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': '' } }),
      ),
      this.removeButton(t('tree.logical'), remove),
    )
  }

  private atomic(node: JsonObject, path: string, what: string, remove: () => void): HTMLElement {
    const leftKey = keyFor(node, 'leftOperand') ?? 'leftOperand'
    const opKey = keyFor(node, 'operator') ?? 'operator'
    const rightKey = keyFor(node, 'rightOperand') ?? 'rightOperand'
    return h(
      'div',
      { class: 'node atomic', 'data-path': path, role: 'group', 'aria-label': what },
      h('p', { class: 'node-title' }, what, ' ', h('span', { class: 'kind' }, path)),
      h(
        'div',
        { class: 'row' },
        this.textField(node, leftKey, t('tree.leftOperand'), joinPath(path, leftKey), 'operands'),
        this.textField(node, opKey, t('tree.operator'), joinPath(path, opKey), 'operators'),
      ),
      node[rightKey] === undefined
        ? this.addButton(t('tree.rightOperand'), () => {
            node[rightKey] = ''
          })
        : this.rightOperand(node, rightKey, joinPath(path, rightKey)),
      keyFor(node, 'unit') === undefined
        ? null
        : this.textField(node, keyFor(node, 'unit')!, t('tree.unit'), joinPath(path, 'unit')),
      this.others(node, new Set(['leftOperand', 'operator', 'rightOperand', 'unit'])),
      this.removeButton(what, remove),
    )
  }

  /** The right operand: one value or a list (for isAnyOf and the like), each with its kind. */
  private rightOperand(node: JsonObject, key: string, path: string): HTMLElement {
    const raw = node[key] as Json
    const items = Array.isArray(raw)
      ? raw.map((v, i) => ({ value: v, index: i, path: `${path}[${i}]` }))
      : [{ value: raw, index: -1, path }]
    return h(
      'div',
      { class: 'right-operand' },
      items.map(({ value, index, path: p }) => this.valueEditor(node, key, index, value, p)),
      this.addButton(t('tree.addValue'), () => {
        const current = node[key] as Json
        node[key] = Array.isArray(current) ? [...current, ''] : [current, '']
      }),
    )
  }

  private valueEditor(node: JsonObject, key: string, index: number, value: Json, path: string): HTMLElement {
    const kinds: ValueKind[] = ['iri', 'text', 'number', 'date', 'dateTime', 'duration']
    const kind = h(
      'select',
      { id: uid('k') },
      kinds.map((k) => h('option', { value: k }, t(`tree.kind.${k}`))),
    )
    kind.value = valueKind(value)
    const text = h('input', { type: 'text', id: uid('v'), 'data-path': path })
    text.value = valueText(value)
    let current = value
    const write = () => {
      current = makeValue(kind.value as ValueKind, text.value, current)
      if (index < 0) node[key] = current
      else (node[key] as Json[])[index] = current
      this.changed(false)
    }
    kind.addEventListener('change', write)
    text.addEventListener('input', write)
    return h(
      'div',
      { class: 'row value' },
      h('div', { class: 'field' }, h('label', { for: text.id }, t('tree.rightOperand')), text),
      h('div', { class: 'field' }, h('label', { for: kind.id }, t('tree.valueKind')), kind),
      index < 0
        ? null
        : this.removeButton(t('tree.rightOperand'), () => {
            const list = node[key] as Json[]
            list.splice(index, 1)
            if (list.length === 1) node[key] = list[0] as Json
          }),
    )
  }
}

/** `http://www.w3.org/ns/odrl/2/use` → `use`; profile actions keep their prefix. */
function short(iri: string): string {
  if (iri.startsWith('http://www.w3.org/ns/odrl/2/')) return iri.slice('http://www.w3.org/ns/odrl/2/'.length)
  if (iri.startsWith('https://w3id.org/allmende/odrl#'))
    return `allmende:${iri.slice('https://w3id.org/allmende/odrl#'.length)}`
  return iri
}
