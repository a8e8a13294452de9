import type { CatalogSearchHit } from './federated-cache.js'
import { type OfferSummary, summarizeOffer } from './offer-summary.js'

/** Offer explanations kept at the most; the oldest give way beyond. */
const MAX_EXPLAINED = 2_000

/**
 * Each hit of a catalog search as the search answers it: the hit with its provider's name and
 * each offer in words, as JSON. With a hundred providers of a hundred datasets, explaining a thousand
 * offers anew on every search was most of its time (and of the garbage collector's), so the
 * explanations are remembered: one instance per node, for all its searches. The answers are not: a node
 * that searched held each cached dataset's answer as long as the dataset stayed (3 MB at 30 providers).
 */
export class SearchHitAnswers {
  /**
   * Offers in words by their terms (everything but their id) and the names they use: offers made
   * from one template differ in their id alone, and a provider's hundred datasets were explained a
   * hundred times alike.
   */
  private readonly explained = new Map<string, Omit<OfferSummary, 'id'>>()

  /** `names`: the names the explanations use for DIDs (this node's own, at least). */
  constructor(private readonly names: Readonly<Record<string, string>> = {}) {}

  /** The hit's part of the answer as JSON; `providerName` is the name this node knows its provider by. */
  json(hit: CatalogSearchHit, providerName: string | undefined): string {
    return JSON.stringify(this.answer(hit, providerName))
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
