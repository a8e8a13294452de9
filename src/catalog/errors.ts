import { AllmendeError, NotFoundError } from '../protocol/errors.js'

/**
 * Dataset metadata (title, theme, dates, distributions, access rules, ...) is missing or malformed.
 * `issues` lists every problem found, each naming the field, so a user can fix them all at once.
 */
export class InvalidDatasetError extends AllmendeError {
  static override name = 'InvalidDatasetError'
  readonly issues: readonly string[]

  constructor(issues: readonly string[]) {
    super('ALLMENDE_INVALID_DATASET', `Invalid dataset: ${issues.join('; ')}`)
    this.issues = issues
  }
}

/**
 * One finding of the policy validator on an offer: the English message and, from the policy
 * engine, the path to the node, the stable code and the params to render it in another language.
 */
export interface OfferIssueDetail {
  readonly message: string
  readonly path?: string
  readonly code?: string
  readonly params?: Readonly<Record<string, unknown>>
}

/** One offer the policy validator refused, with its messages. */
export interface RefusedOffer {
  /** The offer's `@id`. */
  readonly offerId: string
  readonly errors: readonly OfferIssueDetail[]
}

/**
 * The policy validator refused one or more ODRL offers of a dataset; nothing was stored.
 * `offers` names each refused offer with the validator's findings; the API returns them as
 * `details` so a client can show them in its user's language.
 */
export class InvalidOfferError extends AllmendeError {
  static override name = 'InvalidOfferError'
  readonly offers: readonly RefusedOffer[]

  constructor(offers: readonly RefusedOffer[]) {
    const text = offers
      .map(
        (o) =>
          `offer ${o.offerId}: ${o.errors.map((e) => (e.path ? `${e.path}: ${e.message}` : e.message)).join('; ')}`,
      )
      .join(' | ')
    super('ALLMENDE_INVALID_OFFER', `Invalid offer: ${text}`)
    this.offers = offers
  }

  get details(): { offers: readonly RefusedOffer[] } {
    return { offers: this.offers }
  }
}

/** No dataset with this id is in the local catalog (or the requester may not see it). */
export class DatasetNotFoundError extends NotFoundError {
  static override name = 'DatasetNotFoundError'
  readonly datasetId: string

  constructor(datasetId: string) {
    super(`Dataset ${datasetId} is not in the catalog`)
    this.datasetId = datasetId
  }
}

/** The dataset has no offer with this id (or the requester may not see it). */
export class OfferNotFoundError extends NotFoundError {
  static override name = 'OfferNotFoundError'
  constructor(datasetId: string, offerId: string) {
    super(`Dataset ${datasetId} has no offer ${offerId}`)
  }
}

/** An update named the version it expected, and the stored dataset has moved on since. */
export class DatasetVersionConflictError extends AllmendeError {
  static override name = 'DatasetVersionConflictError'
  constructor(datasetId: string, expected: number, actual: number) {
    super(
      'ALLMENDE_DATASET_VERSION_CONFLICT',
      `Dataset ${datasetId} is at version ${actual}, not ${expected}: reload it and apply the change again`,
    )
  }
}

/**
 * A peer's DSP catalog answer or catalog announcement is malformed, or answers for another provider
 * than the one asked. Nothing of it was cached.
 */
export class InvalidCatalogError extends AllmendeError {
  static override name = 'InvalidCatalogError'
  constructor(message: string) {
    super('ALLMENDE_INVALID_CATALOG', message)
  }
}

/** A provider did not answer a catalog request within the time a refresh gives each provider. */
export class ProviderTimeoutError extends AllmendeError {
  static override name = 'ProviderTimeoutError'
  constructor(provider: string, ms: number) {
    super('ALLMENDE_PROVIDER_TIMEOUT', `${provider} did not answer the catalog request within ${ms} ms`)
  }
}
