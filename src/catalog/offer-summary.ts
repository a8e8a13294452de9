import type { LabelMap } from '../policy/explain.js'
import { explainPolicy, validatePolicy } from '../policy/index.js'
import { PURPOSE_BY_IRI } from '../policy/profile.js'
import { readPolicyTree, type TreeConstraint, type TreeRule } from '../policy/validate-tree.js'
import { ODRL_NS } from '../policy/vocabulary.js'

/** An offer as a consumer sees it before negotiating: its terms in words and what it must declare. */
export interface OfferSummary {
  readonly id: string
  /** The offer explained, one sentence per rule. */
  readonly terms: { readonly de: string; readonly en: string }
  /**
   * Purposes the consumer may declare (`purpose` of a negotiation request): the IRIs a permission's
   * purpose constraint names, with labels when the profile knows them. Empty when no purpose is asked.
   */
  readonly purposes: readonly { readonly iri: string; readonly label?: { de: string; en: string } }[]
  /** First and last moment of use when a permission bounds `dateTime` (as written). */
  readonly validFrom?: string
  readonly validUntil?: string
}

const PURPOSE = `${ODRL_NS}purpose`
const DATE_TIME = `${ODRL_NS}dateTime`

function atomics(constraints: readonly TreeConstraint[]): TreeConstraint[] {
  return constraints.flatMap((c) => (c.kind === 'atomic' ? [c] : atomics(c.members)))
}

function permissionConstraints(rules: readonly TreeRule[]): TreeConstraint[] {
  return rules.flatMap((r) => atomics(r.constraints))
}

/** Purposes a permission asks for and the time window it allows, as written in the offer. */
export function termsOf(offer: Record<string, unknown>): Omit<OfferSummary, 'id' | 'terms'> {
  const tree = readPolicyTree(offer).tree
  const constraints = tree === undefined ? [] : permissionConstraints(tree.permissions)
  const purposes = new Map<string, OfferSummary['purposes'][number]>()
  let validFrom: string | undefined
  let validUntil: string | undefined
  for (const c of constraints) {
    if (c.kind !== 'atomic') continue
    if (c.leftOperand === PURPOSE && ['isA', 'eq', 'isAnyOf', 'isPartOf'].includes(c.operator ?? '')) {
      for (const v of c.rightOperand) {
        if (v.kind !== 'iri') continue
        const known = PURPOSE_BY_IRI.get(v.value)
        purposes.set(v.value, { iri: v.value, ...(known === undefined ? {} : { label: known.label }) })
      }
    }
    if (c.leftOperand === DATE_TIME && c.rightOperand[0] !== undefined) {
      const value = c.rightOperand[0].value
      if (c.operator === 'lt' || c.operator === 'lteq') validUntil = value
      if (c.operator === 'gt' || c.operator === 'gteq') validFrom = value
    }
  }
  return {
    purposes: [...purposes.values()],
    ...(validFrom === undefined ? {} : { validFrom }),
    ...(validUntil === undefined ? {} : { validUntil }),
  }
}

/**
 * Summarises one ODRL offer (compact JSON-LD) for a catalog hit. An offer the engine cannot read
 * still gets its id, with the reason as its terms.
 */
export function summarizeOffer(offer: Record<string, unknown>, labels: LabelMap = {}): OfferSummary {
  const id = String(offer['@id'] ?? offer.uid ?? '')
  const words = (lang: 'de' | 'en') => {
    try {
      const { sentences } = explainPolicy(offer, { lang, labels })
      // Nothing to say in words: the validator's errors say why.
      return sentences.length > 0
        ? sentences.join(' ')
        : validatePolicy(offer)
            .errors.map((e) => e.message)
            .join(' ')
    } catch (error) {
      return (error as Error).message
    }
  }
  const { purposes, validFrom, validUntil } = termsOf(offer)
  return {
    id,
    terms: { de: words('de'), en: words('en') },
    purposes,
    ...(validFrom === undefined ? {} : { validFrom }),
    ...(validUntil === undefined ? {} : { validUntil }),
  }
}
