import type { TextKey } from './i18n.js'
import type { LiveKind } from './live.js'

/** What a page gets to render itself. */
export interface PageContext {
  /** The `<main>` element; the page replaces its content (starting with its `<h1>`). */
  readonly main: HTMLElement
  /** Query of the address (`#/richtlinien?dataset=…`). */
  readonly params: URLSearchParams
  /** This node. */
  readonly self: { readonly name: string; readonly did: string }
  /** Calls `refresh` on live events of these kinds while the page is shown (at most once per `delayMs`). */
  live(kinds: readonly LiveKind[], refresh: () => void, delayMs?: number): void
  /** Runs `fn` when the user leaves the page. */
  onCleanup(fn: () => void): void
}

/** One page of the dashboard. */
export interface Page {
  /** Address (`#/katalog`), German like the navigation. */
  readonly path: string
  readonly title: TextKey
  render(ctx: PageContext): Promise<void>
}
