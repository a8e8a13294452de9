import { NotFoundError } from '../protocol/index.js'

/** A provider's DSP catalog over HTTPS as a consumer asks it (the HTTP binding's client implements it). */
export interface DspCatalogClient {
  /** The versioned DSP base of a connector's URL. */
  discoverBase(providerUrl: string): Promise<string>
  catalog(base: string): Promise<{ readonly participantId?: string }>
  /** One dataset as the provider lets this node see it; `audience` is the provider's DID. */
  dataset(base: string, datasetId: string, audience: string): Promise<{ readonly hasPolicy?: unknown }>
}

/** An offer in a provider's catalog, with the provider's DSP address when it is reached over HTTPS. */
export interface ResolvedOffer {
  readonly provider: string
  readonly providerAddress?: string
  readonly offer: Record<string, unknown>
}

/** Which offer a consumer asks for: from a provider by DID (libp2p), or from one at a DSP URL. */
export type OfferRequest = { readonly dataset: string; readonly offer?: string } & (
  | { readonly provider: string }
  | { readonly providerUrl: string }
)

/**
 * The offer `offerId` among a dataset's `offers` as a provider showed them, or the first without an
 * id; a `NotFoundError` naming `provider` when there is none.
 */
export function chooseOffer(
  offers: unknown,
  offerId: string | undefined,
  where: { readonly provider: string; readonly dataset: string },
): Record<string, unknown> {
  const listed = (Array.isArray(offers) ? offers : []) as Record<string, unknown>[]
  const offer = offerId === undefined ? listed[0] : listed.find((o) => o['@id'] === offerId)
  if (offer === undefined) {
    throw new NotFoundError(
      `${where.provider} offers no ${offerId === undefined ? 'offer' : `offer ${offerId}`} for dataset ${where.dataset} to this node`,
    )
  }
  return offer
}

/**
 * Consumer side over HTTPS: the provider's DID and offer from its DSP catalog at `providerUrl`. The
 * dataset is asked for again under the provider's DID, with this node's membership shown, so
 * members-only offers appear.
 */
export async function resolveHttpOffer(
  client: DspCatalogClient,
  providerUrl: string,
  dataset: string,
  offerId?: string,
): Promise<Required<ResolvedOffer>> {
  const base = await client.discoverBase(providerUrl)
  const provider = (await client.catalog(base)).participantId
  if (provider === undefined) throw new NotFoundError(`the DSP catalog at ${base} names no participantId`)
  const found = await client.dataset(base, dataset, provider)
  const offer = chooseOffer(found.hasPolicy, offerId, { provider: `the provider at ${base}`, dataset })
  return { provider, providerAddress: base, offer }
}

/**
 * Where a consumer's contract request finds its offer: a provider named by DID in the federated
 * catalog (asked afresh when not cached), one named by URL in its DSP catalog over HTTPS.
 */
export class OfferResolution {
  constructor(
    private readonly federated: {
      offerOf(provider: string, dataset: string, offerId?: string): Promise<Record<string, unknown>>
    },
    private readonly http: DspCatalogClient,
  ) {}

  async resolve(request: OfferRequest): Promise<ResolvedOffer> {
    if ('providerUrl' in request) {
      return resolveHttpOffer(this.http, request.providerUrl, request.dataset, request.offer)
    }
    const offer = await this.federated.offerOf(request.provider, request.dataset, request.offer)
    return { provider: request.provider, offer }
  }
}
