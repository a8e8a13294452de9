import { randomUUID } from 'node:crypto'
import type { Store } from '../store/index.js'
import type { Requester, RequesterConstraintEvaluator } from './access.js'
import { filterCatalogFor, maySeeOffer, viewForRequester } from './access.js'
import type { Dataset, DatasetOffer, DatasetPatch, DatasetView, JsonObject, OdrlOffer } from './dataset.js'
import { mergeDatasetPatch, validateDatasetInput } from './dataset.js'
import { DatasetStore } from './dataset-store.js'
import {
  DatasetNotFoundError,
  DatasetVersionConflictError,
  InvalidDatasetError,
  InvalidOfferError,
  type OfferIssueDetail,
  OfferNotFoundError,
  type RefusedOffer,
} from './errors.js'

/** The clock the catalog stamps `created`/`modified` and cache fetch times with. */
export interface CatalogClock {
  now(): Date
}

/**
 * One finding of the policy validator: a message, or an object carrying one with, from the policy
 * engine, the path to the node, the stable code and the params to render it in another language.
 */
export type OfferIssue = string | OfferIssueDetail

/** A validator finding on one offer of a dataset (the English `message` plus code and params). */
export interface OfferWarning extends OfferIssueDetail {
  /** The offer's `@id`. */
  readonly offerId: string
}

/** The policy engine's verdict on an offer. */
export interface OfferValidation {
  readonly errors: readonly OfferIssue[]
  readonly warnings: readonly OfferIssue[]
}

/**
 * Validates an ODRL offer at the present moment `now` (the policy engine's validator, plugged in by
 * the composition root).
 */
export type OfferValidator = (offer: OdrlOffer, now: Date) => OfferValidation

export interface CatalogComponents {
  readonly store: Store
  readonly clock: CatalogClock
}

export interface CatalogInit {
  readonly validateOffer: OfferValidator
  /** Decides access constraints on requesters (the policy engine's evaluator). */
  readonly evaluateConstraint: RequesterConstraintEvaluator
  /** Makes dataset ids; defaults to `urn:uuid:` + a random UUID. */
  readonly newId?: () => string
  /** What is wrong with a dataset's source where the node can tell now (a missing local file), else undefined. */
  readonly sourceProblem?: (source: JsonObject) => Promise<string | undefined>
}

/** The result of an add or update: the stored dataset and the validator's warnings on its offers. */
export interface CatalogWriteResult {
  readonly dataset: Dataset
  /** The validator's warnings, each naming its offer; the offers were accepted. */
  readonly warnings: readonly OfferWarning[]
}

/**
 * A change of the local catalog, for announcements to peers. A removal carries the removed
 * version + 1 so that it orders after every announcement of the dataset.
 */
export interface CatalogChange {
  readonly datasetId: string
  readonly version: number
  readonly removed: boolean
}

function detailOf(issue: OfferIssue): OfferIssueDetail {
  return typeof issue === 'string' ? { message: issue } : issue
}

/**
 * The local catalog: datasets with DCAT-AP.de metadata, their offers and their sources, stored in
 * the `datasets` sublevel. Writes are serialised, so concurrent updates each get their own version.
 * The catalog knows nothing of agreements: removing a dataset deletes its record only, and every
 * agreement made on it stays valid and enforceable.
 */
export class Catalog {
  private readonly datasets: DatasetStore
  private readonly clock: CatalogClock
  private readonly validateOffer: OfferValidator
  private readonly evaluateConstraint: RequesterConstraintEvaluator
  private readonly newId: () => string
  private readonly sourceProblem: (source: JsonObject) => Promise<string | undefined>
  private readonly listeners = new Set<(change: CatalogChange) => void>()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(components: CatalogComponents, init: CatalogInit) {
    this.datasets = new DatasetStore(components.store)
    this.clock = components.clock
    this.validateOffer = init.validateOffer
    this.evaluateConstraint = init.evaluateConstraint
    this.newId = init.newId ?? (() => `urn:uuid:${randomUUID()}`)
    this.sourceProblem = init.sourceProblem ?? (async () => undefined)
  }

  /** Validates and stores a new dataset at version 1. */
  async add(input: unknown): Promise<CatalogWriteResult> {
    return await this.serialise(async () => {
      const valid = validateDatasetInput(input)
      await this.checkSource(valid.source)
      const warnings = this.checkOffers(valid.offers)
      const now = this.clock.now().toISOString()
      const dataset: Dataset = { id: this.newId(), version: 1, created: now, modified: now, ...valid }
      await this.datasets.put(dataset)
      this.emit({ datasetId: dataset.id, version: 1, removed: false })
      return { dataset, warnings }
    })
  }

  /**
   * Applies a partial update (a value replaces, `null` clears an optional field), validates the
   * result as a whole and stores it as the next version. With `expectedVersion`, refuses when the
   * dataset has moved on ({@link DatasetVersionConflictError}).
   */
  async update(
    id: string,
    patch: DatasetPatch | JsonObject,
    options: { expectedVersion?: number } = {},
  ): Promise<CatalogWriteResult> {
    return await this.serialise(async () => {
      const current = await this.get(id)
      if (options.expectedVersion !== undefined && options.expectedVersion !== current.version) {
        throw new DatasetVersionConflictError(id, options.expectedVersion, current.version)
      }
      const valid = validateDatasetInput(mergeDatasetPatch(current, patch))
      // Only a changed source is checked: an update of the title must not fail on a file moved since.
      if ('source' in patch) await this.checkSource(valid.source)
      const warnings = this.checkOffers(valid.offers)
      const dataset: Dataset = {
        id,
        version: current.version + 1,
        created: current.created,
        modified: this.clock.now().toISOString(),
        ...valid,
      }
      await this.datasets.put(dataset)
      this.emit({ datasetId: id, version: dataset.version, removed: false })
      return { dataset, warnings }
    })
  }

  /**
   * Deletes the dataset record, and only it: agreements on the dataset are not the catalog's and
   * stay as they are (a running agreement keeps its terms after the offer is withdrawn).
   * Returns the removed record.
   */
  async remove(id: string): Promise<Dataset> {
    return await this.serialise(async () => {
      const current = await this.get(id)
      await this.datasets.delete(id)
      this.emit({ datasetId: id, version: current.version + 1, removed: true })
      return current
    })
  }

  /** The full record, source included: for the node itself (transfer), never for output. */
  async get(id: string): Promise<Dataset> {
    const dataset = await this.datasets.get(id)
    if (dataset === undefined) throw new DatasetNotFoundError(id)
    return dataset
  }

  /** Every full record, oldest first: for the node itself, never for output. */
  async list(): Promise<Dataset[]> {
    return await this.datasets.list()
  }

  /** The catalog as `requester` may see it: views without sources and with only visible offers. */
  async catalogFor(requester: Requester): Promise<DatasetView[]> {
    return filterCatalogFor(requester, await this.list(), this.evaluateConstraint)
  }

  /** One dataset as `requester` may see it; unknown and invisible alike are {@link DatasetNotFoundError}. */
  async datasetFor(requester: Requester, id: string): Promise<DatasetView> {
    const dataset = await this.datasets.get(id)
    const view =
      dataset === undefined ? undefined : viewForRequester(dataset, requester, this.evaluateConstraint)
    if (view === undefined) throw new DatasetNotFoundError(id)
    return view
  }

  /**
   * The offer a contract request names, if `requester` may see it, with `target` set to the
   * dataset (the catalog leaves the target implicit; an agreement needs it).
   */
  async offerFor(requester: Requester, datasetId: string, offerId: string): Promise<OdrlOffer> {
    return (await this.publishedOffer(requester, datasetId, offerId)).offer
  }

  /** {@link offerFor} with who may see the offer and how agreements on it are approved, in one read. */
  async publishedOffer(requester: Requester, datasetId: string, offerId: string): Promise<DatasetOffer> {
    const dataset = await this.datasets.get(datasetId)
    if (dataset === undefined) throw new DatasetNotFoundError(datasetId)
    const entry = dataset.offers.find((o) => o.offer['@id'] === offerId)
    if (entry === undefined || !maySeeOffer(entry.access, requester, this.evaluateConstraint)) {
      throw new OfferNotFoundError(datasetId, offerId)
    }
    return { ...entry, offer: { ...entry.offer, target: datasetId } }
  }

  /** Calls `listener` after every stored change; returns the function that unsubscribes. */
  onChange(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  private emit(change: CatalogChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change)
      } catch {
        // A failing announcer must not undo or fail a stored change.
      }
    }
  }

  /** Runs the policy validator on every offer; throws all refusals at once, returns the warnings. */
  private async checkSource(source: JsonObject): Promise<void> {
    const problem = await this.sourceProblem(source)
    if (problem !== undefined) throw new InvalidDatasetError([`source: ${problem}`])
  }

  private checkOffers(offers: readonly DatasetOffer[]): OfferWarning[] {
    const refused: RefusedOffer[] = []
    const warnings: OfferWarning[] = []
    const now = this.clock.now()
    for (const { offer } of offers) {
      const result = this.validateOffer(offer, now)
      if (result.errors.length > 0)
        refused.push({ offerId: offer['@id'], errors: result.errors.map(detailOf) })
      for (const w of result.warnings) warnings.push({ offerId: offer['@id'], ...detailOf(w) })
    }
    if (refused.length > 0) throw new InvalidOfferError(refused)
    return warnings
  }

  private serialise<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work)
    this.queue = run.catch(() => undefined)
    return run
  }
}
