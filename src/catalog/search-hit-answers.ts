import type { CatalogSearchHit } from './federated-cache.js'
import { type OfferSummary, summarizeOffer } from './offer-summary.js'

/** Offer explanations kept at the most; the oldest give way beyond. */
const MAX_EXPLAINED = 2_000

/**
 * Each hit of a catalog search as the search answer shows it: the hit with its provider's name and
 * each offer in words, as UTF-8 JSON. With a hundred providers of a hundred datasets, building,
 * explaining and serialising a thousand hits anew on every search was most of its time (and of the
 * garbage collector's), so the work is remembered: one instance per node, for all its searches.
 */
export class SearchHitAnswers {
  /**
   * Offers in words by their terms (everything but their id) and the names they use: offers made
   * from one template differ in their id alone, and a provider's hundred datasets were explained a
   * hundred times alike.
   */
  private readonly explained = new Map<string, Omit<OfferSummary, 'id'>>()
  /**
   * Each cached dataset's part of the answer, kept with the hit object the federated cache hands out
   * until the provider's dataset changes (a changed dataset is a new hit); with the provider's name,
   * which may change while the hit does not.
   */
  private readonly parts = new WeakMap<CatalogSearchHit, { providerName: string | undefined; json: Buffer }>()

  /** `names`: the names the explanations use for DIDs (this node's own, at least). */
  constructor(private readonly names: Readonly<Record<string, string>> = {}) {}

  /**
   * The hit's part of the answer as JSON; `providerName` is the name this node knows its provider
   * by. A cached dataset's part is remembered; a local one is read anew each search.
   */
  json(hit: CatalogSearchHit, providerName: string | undefined): Buffer {
    const known = hit.local ? undefined : this.parts.get(hit)
    if (known !== undefined && known.providerName === providerName) return known.json
    const json = Buffer.from(JSON.stringify(this.answer(hit, providerName)))
    if (!hit.local) this.parts.set(hit, { providerName, json })
    return json
  }

  /** One hit as the search answers it: each offer in words, naming provider and publisher as the hit does. */
  private answer(hit: CatalogSearchHit, providerName: string | undefined): object {
    const labels = {
      ...this.names,
      ...(hit.publisher === undefined ? {} : { [hit.provider]: hit.publisher }),
    }
    return {
      ...hit,
      ...(providerName === undefined ? {} : { providerName }),
      offers: hit.offers.map((offer) => this.summary(offer, labels)),
    }
  }

  private summary(offer: Record<string, unknown>, labels: Record<string, string>): OfferSummary {
    const { '@id': _id, uid: _uid, ...terms } = offer
    const key = JSON.stringify([terms, labels])
    let words = this.explained.get(key)
    if (words === undefined) {
      const { id: _, ...summary } = summarizeOffer(offer, labels)
      words = summary
      this.explained.set(key, words)
      if (this.explained.size > MAX_EXPLAINED) this.explained.delete(this.explained.keys().next().value!)
    }
    return { id: String(offer['@id'] ?? offer.uid ?? ''), ...words }
  }
}
