import type { Catalog } from '../catalog/index.js'
import type { ProviderFacts } from './contract-decision.js'

/**
 * What this provider states of a dataset and of the moment, read afresh for each negotiation and each
 * use alike: the events the operator set as in force (`config.events`) and the dataset's
 * `artifactState`. One source for both, so a contract is never agreed on facts a transfer then denies.
 */
export function providedFactsOf(
  catalog: Pick<Catalog, 'get'>,
  events: readonly string[] | undefined,
): (datasetId: string) => Promise<ProviderFacts> {
  return async (datasetId) => {
    const { artifactState } = await catalog.get(datasetId)
    return {
      ...(events === undefined ? {} : { events }),
      ...(artifactState === undefined ? {} : { artifactState }),
    }
  }
}
