/** The purpose of flood warning, as the municipal ODRL profile names it. */
export const FLOOD_WARNING = 'https://w3id.org/allmende/odrl#FloodWarning'

/** An ODRL Offer the multi-node tests publish: use for flood warning only. */
export function floodWarningOffer(uid: string) {
  return {
    '@context': 'http://www.w3.org/ns/odrl.jsonld',
    '@type': 'Offer',
    uid,
    profile: 'https://w3id.org/allmende/odrl-profile/v1',
    permission: [
      {
        action: 'use',
        constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': FLOOD_WARNING } }],
      },
    ],
  }
}
