import type { Store, Sublevel } from '../store/index.js'
import { ordinalCompare } from '../util/ordinal-compare.js'
import type { Dataset } from './dataset.js'

/** Name of the sublevel holding the local datasets, keyed by dataset id. */
export const DATASETS_SUBLEVEL = 'datasets'

/**
 * Persistence of the local datasets: one record per id in the `datasets` sublevel. The list is read once and
 * then kept in step with every write through this store (the node's only writer while it runs): every
 * federated search lists the local catalog, and reading and decoding a hundred records each time cost more
 * than the search itself.
 */
export class DatasetStore {
  private readonly store: Store
  private readonly datasets: Sublevel<Dataset>
  private all?: Promise<Map<string, Dataset>>

  constructor(store: Store) {
    this.store = store
    this.datasets = store.sublevel<Dataset>(DATASETS_SUBLEVEL)
  }

  async get(id: string): Promise<Dataset | undefined> {
    return (await this.datasets.get(id)) as Dataset | undefined
  }

  async put(dataset: Dataset): Promise<void> {
    await this.store.atomic([{ type: 'put', sublevel: this.datasets, key: dataset.id, value: dataset }])
    ;(await this.all)?.set(dataset.id, dataset)
  }

  /** Deletes the dataset record and nothing else. */
  async delete(id: string): Promise<void> {
    await this.store.atomic([{ type: 'del', sublevel: this.datasets, key: id }])
    ;(await this.all)?.delete(id)
  }

  /** Every dataset, oldest first (ties by id). */
  async list(): Promise<Dataset[]> {
    this.all ??= (async () => {
      const all = new Map<string, Dataset>()
      for await (const value of this.datasets.values()) all.set((value as Dataset).id, value as Dataset)
      return all
    })()
    return [...(await this.all).values()].sort(
      (a, b) => ordinalCompare(a.created, b.created) || ordinalCompare(a.id, b.id),
    )
  }
}
