import type { AgreementRecord, Negotiation } from './negotiation-record.js'

/**
 * Where the provider of an agreement is reached, for the transfers under it: the DSP address its
 * negotiation kept (a provider's base URL on DSP HTTP), undefined for a provider reached over libp2p.
 */
export function providerAddressOf(negotiations: {
  get(id: string): Promise<Pick<Negotiation, 'callbackAddress'> | undefined>
}): (agreement: Pick<AgreementRecord, 'negotiationId'>) => Promise<string | undefined> {
  return async (agreement) => (await negotiations.get(agreement.negotiationId))?.callbackAddress
}
