import type { DspBinding, DspMessage, PeerAddressing } from '../protocol/index.js'
import { type Requester, viewForRequester } from './access.js'
import type { Catalog } from './catalog.js'
import { catalogDigest, digestAsked, unchangedAnswer } from './catalog-digest.js'
import {
  buildDspCatalog,
  buildDspDataset,
  type DspCatalog,
  type DspCatalogOptions,
  type DspRootDataset,
} from './dsp-catalog.js'
import { DatasetNotFoundError } from './errors.js'

/** Offers every member sees alike: their visibility does not depend on the requester's DID or claims. */
const SHARED_ACCESS: ReadonlySet<string> = new Set(['public', 'members'])
/** A member as such, without a DID or claims of its own: sees exactly the offers in {@link SHARED_ACCESS}. */
const ANY_MEMBER: Requester = { did: '', isMember: true }

/** A catalog answer with its digest, worked out when first asked for. */
interface BuiltAnswer {
  readonly catalog: DspCatalog
  digest(): string
}

/**
 * This provider's DSP catalog answers on one binding: what the requester may see, with this node's
 * DSP address on that binding as the catalog's `endpointURL`. The dispatcher knows the address; the
 * catalog never builds one. Both bindings answer alike. While every offer is one all members (or all
 * requesters) see alike, the answer is built once per catalog change: a refreshed search of a data
 * space asks every provider, and most have nothing new to say.
 */
export class DspCatalogAnswers {
  /** The answer requesters as such get (by membership and endpoint), until the catalog changes. */
  private shared: { readonly key: string; readonly answer: Promise<BuiltAnswer | undefined> } | undefined

  constructor(
    private readonly catalog: Pick<Catalog, 'catalogFor' | 'datasetFor' | 'get' | 'list' | 'onChange'>,
    private readonly participantId: string,
    private readonly addressing: Pick<PeerAddressing, 'ownAddress'>,
    private readonly binding: DspBinding,
  ) {
    catalog.onChange(() => {
      this.shared = undefined
    })
  }

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
   * One dataset as every member of the data space sees it, to be carried in the announcement of its change
   * (a member then needs no request). Undefined when what a member sees depends on who asks (an offer for
   * named partners or under a constraint on the requester: only a request shows each its own), when no
   * member sees an offer of it, or when it is gone.
   */
  async sharedDataset(id: string): Promise<DspRootDataset | undefined> {
    const dataset = await this.catalog.get(id).catch(() => undefined)
    if (dataset === undefined || !dataset.offers.every((o) => SHARED_ACCESS.has(o.access.kind)))
      return undefined
    // No constraint is left to decide: every offer's visibility is one of SHARED_ACCESS.
    const view = viewForRequester(dataset, ANY_MEMBER, () => false)
    return view === undefined ? undefined : buildDspDataset(view, this.options())
  }

  /**
   * The answer to a message of the catalog area: one dataset for a `DatasetRequestMessage` (as after
   * an announced change), the whole catalog otherwise, or its frame marked unchanged when the request's
   * filter names the digest of exactly this answer ({@link digestAsked}).
   */
  async answer(
    message: DspMessage,
    requester: Requester,
  ): Promise<DspCatalog | DspRootDataset | Record<string, unknown>> {
    if (message['@type'] === 'DatasetRequestMessage') return this.datasetFor(requester, message.dataset)
    const { catalog, digest } = await this.builtFor(requester)
    const asked = message['@type'] === 'CatalogRequestMessage' ? digestAsked(message.filter) : undefined
    return asked !== undefined && asked === digest() ? unchangedAnswer(catalog, asked) : catalog
  }

  /** The shared answer when it fits every requester of this kind, else one built for `requester`. */
  private async builtFor(requester: Requester): Promise<BuiltAnswer> {
    const key = `${requester.isMember} ${this.addressing.ownAddress(this.binding) ?? ''}`
    let shared = this.shared
    if (shared?.key !== key) {
      const answer = this.sharedAnswer(requester)
      const current = { key, answer }
      // A failed build is not kept: the next request tries again.
      answer.catch(() => {
        if (this.shared === current) this.shared = undefined
      })
      shared = current
      this.shared = shared
    }
    return (await shared.answer) ?? built(await this.catalogFor(requester))
  }

  /** The answer for `requester`, if every offer of the catalog is one that all requesters like it see. */
  private async sharedAnswer(requester: Requester): Promise<BuiltAnswer | undefined> {
    const datasets = await this.catalog.list()
    if (!datasets.every((d) => d.offers.every((o) => SHARED_ACCESS.has(o.access.kind)))) return undefined
    return built(await this.catalogFor({ did: '', isMember: requester.isMember }))
  }

  private options(): DspCatalogOptions {
    return { participantId: this.participantId, endpointURL: this.addressing.ownAddress(this.binding) ?? '' }
  }
}

function built(catalog: DspCatalog): BuiltAnswer {
  let digest: string | undefined
  return {
    catalog,
    digest: () => {
      digest ??= catalogDigest(catalog)
      return digest
    },
  }
}
