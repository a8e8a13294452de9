import type { AccessPolicy, Dataset, DatasetView, JsonObject, OdrlOffer } from './dataset.js'
import { viewOfDataset } from './dataset.js'

/** Who asks for the catalog: a DID, whether it holds a valid membership, and what else is known of it. */
export interface Requester {
  readonly did: string
  /** True when the requester presented a valid membership credential of this data space. */
  readonly isMember: boolean
  /** Further verified claims (role, organisation, ...) an access constraint may test. */
  readonly attributes?: Readonly<Record<string, unknown>>
}

/**
 * Decides an ODRL constraint on the requester (the policy engine's evaluator, plugged in by the
 * composition root). Must be pure; a throw counts as "not satisfied".
 */
export type RequesterConstraintEvaluator = (constraint: JsonObject, requester: Requester) => boolean

/** True when `requester` may see an offer guarded by `access`. Fails closed when the evaluator throws. */
export function maySeeOffer(
  access: AccessPolicy,
  requester: Requester,
  evaluateConstraint: RequesterConstraintEvaluator,
): boolean {
  switch (access.kind) {
    case 'public':
      return true
    case 'members':
      return requester.isMember
    case 'dids':
      return access.dids.includes(requester.did)
    case 'constraint':
      try {
        return evaluateConstraint(access.constraint, requester) === true
      } catch {
        return false
      }
  }
}

/** The offers of `dataset` that `requester` may see. */
export function visibleOffers(
  dataset: Dataset,
  requester: Requester,
  evaluateConstraint: RequesterConstraintEvaluator,
): OdrlOffer[] {
  return dataset.offers
    .filter((o) => maySeeOffer(o.access, requester, evaluateConstraint))
    .map((o) => o.offer)
}

/**
 * The view of one dataset for `requester`, or undefined when the requester may not know of it.
 * A dataset is listed when its metadata visibility admits the requester (`public`: anyone;
 * `members`: members) or when at least one offer is visible to them; its offers are only the visible ones.
 */
export function viewForRequester(
  dataset: Dataset,
  requester: Requester,
  evaluateConstraint: RequesterConstraintEvaluator,
): DatasetView | undefined {
  const offers = visibleOffers(dataset, requester, evaluateConstraint)
  const listed =
    offers.length > 0 ||
    dataset.metadataVisibility === 'public' ||
    (dataset.metadataVisibility === 'members' && requester.isMember)
  return listed ? viewOfDataset(dataset, offers) : undefined
}

/**
 * The catalog as `requester` may see it (DSP 2025-1 §1.2: catalogs MAY be filtered per requester).
 * Views carry no source and no access rules: a DID list names other partners.
 */
export function filterCatalogFor(
  requester: Requester,
  datasets: readonly Dataset[],
  evaluateConstraint: RequesterConstraintEvaluator,
): DatasetView[] {
  const out: DatasetView[] = []
  for (const dataset of datasets) {
    const view = viewForRequester(dataset, requester, evaluateConstraint)
    if (view !== undefined) out.push(view)
  }
  return out
}
