import { ApiError } from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'

/** An error as an alert: the message in the user's language, the node's own words beneath. */
export function errorBox(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    return h(
      'div',
      { class: 'error', role: 'alert', tabindex: '-1' },
      h('p', {}, h('strong', {}, `${t('error.title')}: `), error.userMessage),
      error.userMessage === error.detail
        ? null
        : h('p', { class: 'detail' }, `${t('error.detail')}: `, h('span', { lang: 'en' }, error.detail)),
    )
  }
  return h(
    'div',
    { class: 'error', role: 'alert', tabindex: '-1' },
    h('p', {}, String((error as Error)?.message ?? error)),
  )
}
