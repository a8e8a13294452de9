import { type Catalog, toDspOffer } from '../catalog/index.js'
import type { Clock } from '../lifecycle/index.js'
import type { PolicyCache } from '../policy/index.js'
import type { MessageOffer } from '../protocol/index.js'
import { decideOnOffer, type ProviderFacts } from './contract-decision.js'
import type { ContractDecision, ContractDecisionInput } from './negotiation-service.js'

/** What the provider's decision reads besides the request. */
export interface ProviderDecisionInit {
  readonly catalog: Catalog
  readonly policies: PolicyCache
  readonly clock: Clock
  /** Whether a DID is an admitted member; `overHttp` when it asked over DSP HTTP (no libp2p handshake to wait for). */
  isMember(did: string, overHttp: boolean): Promise<boolean>
  /** The id of the data space whose members this node admits (`dataSpaceMembership eq <id>`). */
  readonly dataSpace?: string
  /** What the provider states of a dataset and the moment (events in force, artifact state). */
  readonly providedFacts?: (datasetId: string) => Promise<ProviderFacts>
}

/**
 * The provider's side of a negotiation: the offer as this node published it to this requester
 * (never the consumer's copy), its access rule and approval setting, and the facts of the request
 * go to {@link decideOnOffer}.
 */
export function providerDecision(
  init: ProviderDecisionInit,
): (input: ContractDecisionInput) => Promise<ContractDecision> {
  return async ({ datasetId, offer, consumer, purpose, declared, approved, callbackAddress }) => {
    const requester = {
      did: consumer,
      isMember: await init.isMember(consumer, callbackAddress !== undefined),
    }
    const offerId = String(offer['@id'])
    const entry = await init.catalog.publishedOffer(requester, datasetId, offerId)
    const published = entry.offer
    return decideOnOffer({
      offer: await init.policies.compile(published),
      terms: toDspOffer(published) as MessageOffer,
      datasetId,
      consumer,
      isMember: requester.isMember,
      ...(init.dataSpace === undefined ? {} : { dataSpace: init.dataSpace }),
      openToAll: entry.access.kind === 'public',
      now: init.clock(),
      // records stored before approvals existed have none
      approval: entry.approval ?? 'automatic',
      approved,
      ...(purpose === undefined ? {} : { purpose }),
      ...(declared === undefined ? {} : { declared }),
      provided: (await init.providedFacts?.(datasetId)) ?? {},
    })
  }
}
