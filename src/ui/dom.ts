/** Attributes of {@link h}: strings and booleans become attributes, functions event listeners (`onclick`). */
export type Attrs = Readonly<Record<string, string | number | boolean | undefined | ((event: Event) => void)>>

/** A child of {@link h}: a node, text, or nothing. */
export type Child = Node | string | number | false | null | undefined | readonly Child[]

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c)
    return
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)))
}

/** Builds an element: `h('button', { type: 'button', onclick }, 'Speichern')`. Text is never parsed as HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.slice(2), value)
    else if (value === true) el.setAttribute(name, '')
    else el.setAttribute(name, String(value))
  }
  for (const child of children) append(el, child)
  return el
}

/** Replaces all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  for (const child of children) append(el, child)
}

let idCounter = 0
/** A fresh element id, for label/aria-describedby pairs. */
export function uid(prefix = 'f'): string {
  idCounter++
  return `${prefix}-${idCounter}`
}

/** Tells screen reader users about a change (the polite live region of the shell). */
export function announce(text: string): void {
  const region = document.getElementById('announcer')
  if (region === null) return
  region.textContent = ''
  // A separate task, so the same text twice is announced twice.
  setTimeout(() => {
    region.textContent = text
  }, 50)
}

/** A labelled form field: label, control, optional hint, all linked for assistive technology. */
export function field(
  label: string,
  control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  if (control.id === '') control.id = uid()
  const hintId = hint === undefined ? undefined : `${control.id}-hint`
  if (hintId !== undefined) control.setAttribute('aria-describedby', hintId)
  return h(
    'div',
    { class: 'field' },
    h('label', { for: control.id }, label),
    control,
    hint === undefined ? null : h('p', { class: 'hint', id: hintId }, hint),
  )
}

/** A table with a caption and column headers (`scope="col"`). */
export function table(caption: string, headers: readonly string[], rows: readonly Child[][]): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            r.map((c) => h('td', {}, c)),
          ),
        ),
      ),
    ),
  )
}

/** A definition list of label/value pairs. */
export function facts(pairs: readonly [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'facts' },
    pairs.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
  )
}
