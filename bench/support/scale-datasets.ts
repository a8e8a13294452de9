// The datasets of the scale benchmarks: every provider offers D datasets titled by one of eight words (so a
// one-word search finds an eighth of them), each with one offer for a purpose, visible to members.

export const PURPOSE = 'https://w3id.org/allmende/odrl#FloodWarning'
export const WORDS = [
  'Pegel',
  'Verkehr',
  'Haushalt',
  'Baumkataster',
  'Parken',
  'Wahlen',
  'Luftqualität',
  'Radwege',
]

/** The provider of a benchmark dataset: its municipality's name and DID. */
export interface ScaleProvider {
  readonly name: string
  readonly did: string
}

/** The input of one benchmark dataset whose data is the file `source`. */
export function scaleDatasetInput(provider: ScaleProvider, title: string, source: string) {
  return {
    title,
    description: `${title}, veröffentlicht von ${provider.name}`,
    keyword: [title.split(' ')[0]!],
    publisher: { name: provider.name, id: provider.did },
    distributions: [{ format: 'JSON' }],
    source: { kind: 'file', path: source },
    offers: [
      {
        offer: {
          '@context': 'http://www.w3.org/ns/odrl.jsonld',
          '@type': 'Offer',
          uid: `urn:allmende:offer:scale:${title.replaceAll(' ', '-')}`,
          assigner: provider.did,
          permission: [
            {
              action: 'use',
              constraint: [{ leftOperand: 'purpose', operator: 'isA', rightOperand: { '@id': PURPOSE } }],
            },
          ],
        },
      },
    ],
  }
}

/** The title of the `d`-th benchmark dataset of the provider named `name`. */
export const scaleTitle = (name: string, d: number) => `${WORDS[d % WORDS.length]} ${name} ${d}`
