import type { DspBinding, DspMessage, PeerAddressing } from '../protocol/index.js'
import type { Requester } from './access.js'
import type { Catalog } from './catalog.js'
import {
  buildDspCatalog,
  buildDspDataset,
  type DspCatalog,
  type DspCatalogOptions,
  type DspRootDataset,
} from './dsp-catalog.js'
import { DatasetNotFoundError } from './errors.js'

/**
 * This provider's DSP catalog answers on one binding: what the requester may see, with this node's
 * DSP address on that binding as the catalog's `endpointURL`. The dispatcher knows the address; the
 * catalog never builds one. Both bindings answer alike.
 */
export class DspCatalogAnswers {
  constructor(
    private readonly catalog: Pick<Catalog, 'catalogFor' | 'datasetFor'>,
    private readonly participantId: string,
    private readonly addressing: Pick<PeerAddressing, 'ownAddress'>,
    private readonly binding: DspBinding,
  ) {}

  /** The DSP `Catalog` as `requester` may see it. */
  async catalogFor(requester: Requester): Promise<DspCatalog> {
    return buildDspCatalog(await this.catalog.catalogFor(requester), this.options())
  }

  /** One DSP `Dataset`; a {@link DatasetNotFoundError} for an unknown dataset and an invisible one alike. */
  async datasetFor(requester: Requester, id: string): Promise<DspRootDataset> {
    const dataset = buildDspDataset(await this.catalog.datasetFor(requester, id), this.options())
    if (dataset === undefined) throw new DatasetNotFoundError(id)
    return dataset
  }

  /**
   * The answer to a message of the catalog area: one dataset for a `DatasetRequestMessage` (as after
   * an announced change), the whole catalog otherwise.
   */
  answer(message: DspMessage, requester: Requester): Promise<DspCatalog | DspRootDataset> {
    return message['@type'] === 'DatasetRequestMessage'
      ? this.datasetFor(requester, message.dataset)
      : this.catalogFor(requester)
  }

  private options(): DspCatalogOptions {
    return { participantId: this.participantId, endpointURL: this.addressing.ownAddress(this.binding) ?? '' }
  }
}
