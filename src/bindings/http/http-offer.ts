import { NotFoundError } from '../../protocol/index.js'
import type { DspHttpClient } from './dsp-http-client.js'

/** A provider reached over DSP HTTPS: its DID, its versioned DSP base and the chosen offer. */
export interface HttpOffer {
  readonly provider: string
  readonly providerAddress: string
  readonly offer: Record<string, unknown>
}

/**
 * Consumer side over HTTPS: the provider's DID and offer from its DSP catalog at `providerUrl`
 * (the first offer of the dataset without `offerId`). The dataset is asked for again under the
 * provider's DID, with this node's membership shown, so members-only offers appear.
 */
export async function resolveHttpOffer(
  client: DspHttpClient,
  providerUrl: string,
  dataset: string,
  offerId?: string,
): Promise<HttpOffer> {
  const base = await client.discoverBase(providerUrl)
  const provider = (await client.catalog(base)).participantId
  if (provider === undefined) throw new NotFoundError(`the DSP catalog at ${base} names no participantId`)
  const found = await client.dataset(base, dataset, provider)
  const offers = (found.hasPolicy ?? []) as Record<string, unknown>[]
  const offer = offerId === undefined ? offers[0] : offers.find((o) => o['@id'] === offerId)
  if (offer === undefined) {
    throw new NotFoundError(
      `the provider at ${base} offers no ${offerId === undefined ? 'offer' : `offer ${offerId}`} for dataset ${dataset} to this node`,
    )
  }
  return { provider, providerAddress: base, offer }
}
