import { hasText, t } from './i18n.js'

/** An error answer of the node, with its stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail)
  }

  /** The message in the dashboard's language; the node's own text stays available as `detail`. */
  get userMessage(): string {
    const key = `error.${this.code}`
    return hasText(key) ? t(key) : this.detail
  }
}

let csrf = ''

/** Remembers the session's CSRF token, sent with every state-changing request. */
export function setCsrf(token: string): void {
  csrf = token
}

/** Calls the management API with the session cookie (and the CSRF token when it changes state). */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(method === 'GET' ? {} : { 'x-csrf-token': csrf }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'ALLMENDE_NETWORK', t('error.network'))
  }
  const payload = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }
  if (!response.ok) {
    throw new ApiError(
      response.status,
      payload.error?.code ?? 'ALLMENDE_API',
      payload.error?.message ?? `HTTP ${response.status}`,
    )
  }
  return payload as T
}

export const get = <T>(path: string) => api<T>('GET', path)
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body)
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body)
export const del = <T>(path: string) => api<T>('DELETE', path)

/** `encodeURIComponent` for ids in paths. */
export const enc = encodeURIComponent
