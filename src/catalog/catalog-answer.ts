import type { Logger } from '../log/index.js'
import { InvalidMessageError, validateMessage } from '../protocol/index.js'
import type { JsonObject } from './dataset.js'

/** A provider's broken offers are logged at most this often. */
const SKIP_REPORT_INTERVAL_MS = 10 * 60 * 1000

/** An offer (or a whole dataset) of a provider's catalog answer that this node leaves out. */
export interface SkippedOffer {
  readonly datasetId: string
  /** Absent when the dataset itself is broken, or none of its offers holds. */
  readonly offerId?: string
  readonly problem: string
}

/**
 * A provider's DSP `Catalog` answer with what breaks the DSP schema cut out: an offer that breaks it
 * is dropped from its dataset, a dataset left without a valid offer is dropped, everything else is
 * kept. One bad offer must not hide a provider's other datasets. Whatever is left passes the schema;
 * an answer whose frame (type, participant, services) is broken still throws `InvalidMessageError`.
 */
export function salvageCatalogAnswer(answer: unknown): { catalog: JsonObject; skipped: SkippedOffer[] } {
  const skipped: SkippedOffer[] = []
  if (!isObject(answer) || !Array.isArray(answer.dataset)) {
    return { catalog: validateMessage('Catalog', answer) as unknown as JsonObject, skipped }
  }
  const datasets = answer.dataset.flatMap((dataset: unknown) => {
    const kept = checkedDataset(dataset, answer['@context'], skipped)
    return kept === undefined ? [] : [kept]
  })
  const catalog = { ...answer, dataset: datasets }
  validateMessage('Catalog', catalog)
  return { catalog, skipped }
}

/**
 * One dataset a provider answered (DSP `Dataset`, with its own `@context`), with the offers that break
 * the DSP schema cut out, as {@link salvageCatalogAnswer} does for each dataset of a catalog. Throws
 * `InvalidMessageError` when nothing of it holds.
 */
export function salvageDatasetAnswer(answer: unknown): { dataset: JsonObject; skipped: SkippedOffer[] } {
  const skipped: SkippedOffer[] = []
  const context = isObject(answer) ? answer['@context'] : undefined
  const dataset = checkedDataset(answer, context, skipped)
  if (dataset === undefined) {
    throw new InvalidMessageError(
      `the dataset answer breaks the DSP schema: ${skipped.map((s) => s.problem).join('; ')}`,
    )
  }
  return { dataset, skipped }
}

/**
 * Logs the offers left out of a provider's answers, at most once per provider in {@link SKIP_REPORT_INTERVAL_MS}:
 * a consumer refreshing often must not repeat the same lines.
 */
export class SkippedOfferLog {
  private readonly lastReport = new Map<string, number>()

  constructor(
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  report(provider: string, skipped: readonly SkippedOffer[]): void {
    if (skipped.length === 0) return
    const now = this.clock()
    const last = this.lastReport.get(provider)
    if (last !== undefined && now - last < SKIP_REPORT_INTERVAL_MS) return
    this.lastReport.set(provider, now)
    if (this.lastReport.size > 1000) this.lastReport.delete(this.lastReport.keys().next().value!)
    this.log.warn(
      { provider, skipped: skipped.slice(0, 10), count: skipped.length },
      'left out offers of a provider that break the DSP schema; its other datasets are listed',
    )
  }
}

function checkedDataset(dataset: unknown, context: unknown, skipped: SkippedOffer[]): JsonObject | undefined {
  const datasetId = isObject(dataset) && typeof dataset['@id'] === 'string' ? dataset['@id'] : '(no @id)'
  const problemOf = (candidate: unknown): string | undefined => {
    try {
      validateMessage('Dataset', { '@context': context, ...(candidate as JsonObject) })
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  }
  if (!isObject(dataset)) {
    skipped.push({ datasetId, problem: 'a dataset is not a JSON object' })
    return undefined
  }
  if (problemOf(dataset) === undefined) return dataset
  const offers = Array.isArray(dataset.hasPolicy) ? (dataset.hasPolicy as unknown[]) : []
  const kept = offers.filter((offer) => {
    const problem = problemOf({ ...dataset, hasPolicy: [offer] })
    if (problem === undefined) return true
    const offerId = isObject(offer) && typeof offer['@id'] === 'string' ? offer['@id'] : undefined
    skipped.push({ datasetId, ...(offerId === undefined ? {} : { offerId }), problem })
    return false
  })
  const rest = { ...dataset, hasPolicy: kept }
  const problem = kept.length === 0 ? (problemOf(dataset) ?? 'no offer of it holds') : problemOf(rest)
  if (problem === undefined) return rest
  if (kept.length > 0 || offers.length === 0) skipped.push({ datasetId, problem })
  return undefined
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
