/**
 * The parts of the ODRL 2.2 vocabulary (https://www.w3.org/TR/odrl-vocab/) the engine needs as
 * data: the action hierarchy (`odrl:includedIn`, with the deprecated terms of §4 and the cc: terms)
 * and the left operands with how their values compare.
 */
import type { Iri } from './model.js'

export const ODRL_NS = 'http://www.w3.org/ns/odrl/2/'
export const RDF_NS = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#'
export const XSD_NS = 'http://www.w3.org/2001/XMLSchema#'
export const DCT_NS = 'http://purl.org/dc/terms/'
export const CC_NS = 'http://creativecommons.org/ns#'
export const REPORT_NS = 'https://w3id.org/force/compliance-report#'
export const SOTW_NS = 'https://w3id.org/force/sotw#'
export const RDF_TYPE = `${RDF_NS}type`
export const RDF_VALUE = `${RDF_NS}value`
export const RDF_FIRST = `${RDF_NS}first`
export const RDF_REST = `${RDF_NS}rest`
export const RDF_NIL = `${RDF_NS}nil`
export const XSD_STRING = `${XSD_NS}string`

/**
 * `odrl:includedIn` of every action (local names in the odrl: namespace unless a full IRI).
 * Source: ODRL Vocabulary & Expression 2.2, §3 (actions) and §4 (deprecated terms, which keep their
 * place under `use` or `transfer`); `use` and `transfer` are the roots.
 */
const INCLUDED_IN: Readonly<Record<string, string>> = {
  acceptTracking: 'use',
  aggregate: 'use',
  annotate: 'use',
  anonymize: 'use',
  archive: 'use',
  attribute: 'use',
  compensate: 'use',
  concurrentUse: 'use',
  delete: 'use',
  derive: 'use',
  digitize: 'use',
  display: 'play',
  distribute: 'use',
  ensureExclusivity: 'use',
  execute: 'use',
  extract: 'reproduce',
  give: 'transfer',
  grantUse: 'use',
  include: 'use',
  index: 'use',
  inform: 'use',
  install: 'use',
  modify: 'use',
  move: 'use',
  nextPolicy: 'use',
  obtainConsent: 'use',
  play: 'use',
  present: 'use',
  print: 'use',
  read: 'use',
  reproduce: 'use',
  reviewPolicy: 'use',
  sell: 'transfer',
  stream: 'use',
  synchronize: 'use',
  textToSpeech: 'use',
  transform: 'use',
  translate: 'use',
  uninstall: 'use',
  watermark: 'use',
  // deprecated terms (§4), kept so that old policies still match
  adHocShare: 'use',
  append: 'modify',
  appendTo: 'modify',
  commercialize: 'use',
  copy: 'reproduce',
  export: 'transform',
  extractChar: 'extract',
  extractPage: 'extract',
  extractWord: 'extract',
  lease: 'use',
  lend: 'use',
  license: 'use',
  pay: 'compensate',
  preview: 'use',
  secondaryUse: 'use',
  share: 'use',
  shareAlike: 'use',
  write: 'modify',
  writeTo: 'modify',
  // Creative Commons terms (ODRL Vocabulary §3.3 lists them without includedIn): placed under their
  // nearest ODRL action, our choice, so a cc: duty or permission still matches its ODRL sibling
  [`${CC_NS}Attribution`]: 'attribute',
  [`${CC_NS}CommercialUse`]: 'use',
  [`${CC_NS}DerivativeWorks`]: 'derive',
  [`${CC_NS}Distribution`]: 'distribute',
  [`${CC_NS}Notice`]: 'inform',
  [`${CC_NS}Reproduction`]: 'reproduce',
  [`${CC_NS}ShareAlike`]: 'use',
  [`${CC_NS}Sharing`]: 'distribute',
  [`${CC_NS}SourceCode`]: 'use',
}

function full(name: string): Iri {
  return name.includes(':') ? name : ODRL_NS + name
}

/** Every action IRI of the vocabulary mapped to all its ancestors (transitive `includedIn`). */
export const ACTION_ANCESTORS: ReadonlyMap<Iri, ReadonlySet<Iri>> = (() => {
  const parent = new Map<Iri, Iri>()
  for (const [child, up] of Object.entries(INCLUDED_IN)) parent.set(full(child), full(up))
  const out = new Map<Iri, Set<Iri>>()
  for (const action of [...parent.keys(), full('use'), full('transfer')]) {
    const seen = new Set<Iri>()
    for (let p = parent.get(action); p !== undefined && !seen.has(p); p = parent.get(p)) seen.add(p)
    out.set(action, seen)
  }
  return out
})()

/** Does a rule about `ruleAction` cover a request for `requested`? (equal, or `requested` is included in it) */
export function actionCovers(ruleAction: Iri, requested: Iri): boolean {
  return ruleAction === requested || ACTION_ANCESTORS.get(requested)?.has(ruleAction) === true
}

/** Every ODRL action IRI in the bundled vocabulary. */
export const ODRL_ACTIONS: readonly Iri[] = [...ACTION_ANCESTORS.keys()]

/** How a left operand's values compare. */
export type ValueKind = 'dateTime' | 'duration' | 'number' | 'iri' | 'string'

/** The 34 left operands of ODRL 2.2 (local names) with the kind of value they take. */
export const LEFT_OPERANDS: Readonly<Record<string, ValueKind>> = {
  absolutePosition: 'number',
  absoluteSpatialPosition: 'iri',
  absoluteTemporalPosition: 'dateTime',
  absoluteSize: 'number',
  count: 'number',
  dateTime: 'dateTime',
  delayPeriod: 'duration',
  deliveryChannel: 'iri',
  device: 'iri',
  elapsedTime: 'duration',
  event: 'iri',
  fileFormat: 'iri',
  industry: 'iri',
  language: 'iri',
  media: 'iri',
  meteredTime: 'duration',
  payAmount: 'number',
  percentage: 'number',
  product: 'iri',
  purpose: 'iri',
  recipient: 'iri',
  relativePosition: 'number',
  relativeSpatialPosition: 'iri',
  relativeTemporalPosition: 'number',
  relativeSize: 'number',
  resolution: 'number',
  spatial: 'iri',
  spatialCoordinates: 'string',
  system: 'iri',
  systemDevice: 'iri',
  timeInterval: 'duration',
  unitOfCount: 'iri',
  version: 'string',
  virtualLocation: 'iri',
}

/** Local name after the ODRL namespace, or the IRI itself. */
export function odrlLocal(iri: Iri): string {
  return iri.startsWith(ODRL_NS) ? iri.slice(ODRL_NS.length) : iri
}
