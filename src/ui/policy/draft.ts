/** The policy editor hands an offer to the dataset form through this tab's session storage. */
const KEY = 'allmende-draft-offer'

export function setDraftOffer(offer: Record<string, unknown>): void {
  sessionStorage.setItem(KEY, JSON.stringify(offer))
}

/** The offer the editor handed over, once; undefined when there is none. */
export function takeDraftOffer(): Record<string, unknown> | undefined {
  const text = sessionStorage.getItem(KEY)
  sessionStorage.removeItem(KEY)
  return text === null ? undefined : (JSON.parse(text) as Record<string, unknown>)
}
