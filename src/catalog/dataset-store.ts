import type { Store, Sublevel } from '../store/index.js'
import type { Dataset } from './dataset.js'

/** Name of the sublevel holding the local datasets, keyed by dataset id. */
export const DATASETS_SUBLEVEL = 'datasets'

/** Persistence of the local datasets: one record per id in the `datasets` sublevel. */
export class DatasetStore {
  private readonly store: Store
  private readonly datasets: Sublevel<Dataset>

  constructor(store: Store) {
    this.store = store
    this.datasets = store.sublevel<Dataset>(DATASETS_SUBLEVEL)
  }

  async get(id: string): Promise<Dataset | undefined> {
    return (await this.datasets.get(id)) as Dataset | undefined
  }

  async put(dataset: Dataset): Promise<void> {
    await this.store.atomic([{ type: 'put', sublevel: this.datasets, key: dataset.id, value: dataset }])
  }

  /** Deletes the dataset record and nothing else. */
  async delete(id: string): Promise<void> {
    await this.store.atomic([{ type: 'del', sublevel: this.datasets, key: id }])
  }

  /** Every dataset, oldest first (ties by id). */
  async list(): Promise<Dataset[]> {
    const out: Dataset[] = []
    for await (const value of this.datasets.values()) out.push(value as Dataset)
    return out.sort((a, b) => a.created.localeCompare(b.created) || a.id.localeCompare(b.id))
  }
}
