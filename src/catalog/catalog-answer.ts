import { validateMessage } from '../protocol/index.js'
import type { JsonObject } from './dataset.js'

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
