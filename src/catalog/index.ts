/**
 * @packageDocumentation
 * The catalog domain: DCAT-AP.de datasets with their ODRL offers and sources, who sees what, the
 * DSP 2025-1 `Catalog` answer, the federated cache of other providers' catalogs, and the DCAT-AP.de
 * export for open data portals (GovData). Network-free: bindings carry the messages.
 *
 * @example
 * ```ts
 * const catalog = new Catalog({ store, clock }, { validateOffer, evaluateConstraint })
 * const { dataset } = await catalog.add({
 *   title: 'Pegel Glan Altenglan', description: 'Wasserstand, 15 Minuten', publisher: 'Kreisverwaltung Kusel',
 *   theme: ['ENVI'], distributions: [{ format: 'JSON', mediaType: 'application/json' }],
 *   offers: [{ offer, access: { kind: 'members' } }], metadataVisibility: 'public', source,
 * })
 * const answer = buildDspCatalog(await catalog.catalogFor(requester), { participantId: did, endpointURL })
 * // the same answer as a binding serves it, with this node's address on that binding:
 * const overHttp = await new DspCatalogAnswers(catalog, did, dispatcher, 'http').catalogFor(requester)
 * ```
 */

export {
  filterCatalogFor,
  maySeeOffer,
  type Requester,
  type RequesterConstraintEvaluator,
  viewForRequester,
  visibleOffers,
} from './access.js'
export {
  Catalog,
  type CatalogChange,
  type CatalogClock,
  type CatalogComponents,
  type CatalogInit,
  type CatalogWriteResult,
  type OfferIssue,
  type OfferValidation,
  type OfferValidator,
  type OfferWarning,
} from './catalog.js'
export {
  type SkippedOffer,
  SkippedOfferLog,
  salvageCatalogAnswer,
  salvageDatasetAnswer,
} from './catalog-answer.js'
export { auditCatalogChanges } from './catalog-audit.js'
export { ifChangedFilter } from './catalog-digest.js'
export {
  CatalogFederation,
  type CatalogFederationComponents,
  type CatalogNetwork,
  type FanOutLimits,
  type FederatedQuery,
  type FederationCounts,
  MAX_ANNOUNCEMENT_BYTES,
  type RefreshOutcome,
} from './catalog-federation.js'
export { type CatalogSummary, MAX_RECENT, RECENT_WINDOW_MS } from './catalog-summaries.js'
export {
  type AccessPolicy,
  type ContactPoint,
  type Dataset,
  type DatasetInput,
  type DatasetMetadata,
  type DatasetOffer,
  type DatasetPatch,
  type DatasetView,
  type Distribution,
  type JsonObject,
  type MetadataVisibility,
  type OdrlOffer,
  type OfferApproval,
  type Publisher,
  type Temporal,
  validateDatasetInput,
  viewOfDataset,
} from './dataset.js'
export { DATASETS_SUBLEVEL } from './dataset-store.js'
export {
  DCAT_AP_DE_CONTEXT,
  type DcatApDeExportOptions,
  toDcatApDeJsonLd,
  toDcatApDeTurtle,
} from './dcat-ap-export.js'
export { DspCatalogAnswers } from './dsp-answers.js'
export {
  buildDspCatalog,
  buildDspDataset,
  DEFAULT_TRANSFER_FORMATS,
  DSP_CONTEXT,
  type DspCatalog,
  type DspCatalogOptions,
  type DspDataService,
  type DspDataset,
  type DspDistribution,
  type DspRootDataset,
  toDspDataset,
  toDspOffer,
} from './dsp-catalog.js'
export {
  DatasetNotFoundError,
  DatasetVersionConflictError,
  InvalidCatalogError,
  InvalidDatasetError,
  InvalidOfferError,
  type OfferIssueDetail,
  OfferNotFoundError,
  ProviderTimeoutError,
  type RefusedOffer,
} from './errors.js'
export { CatalogExportNotConfiguredError, type ExportingNode, exportOptionsOf } from './export-options.js'
export {
  CATALOG_CACHE_SUBLEVEL,
  type CachedDataset,
  type CatalogAnnouncement,
  CatalogMatches,
  type CatalogQuery,
  type CatalogSearchHit,
  FederatedCatalogCache,
  type FederatedCatalogCacheComponents,
  type FederatedCatalogCacheInit,
} from './federated-cache.js'
export { type GuessedFormat, guessFormat } from './media-type-guess.js'
export { offerPublishProblems } from './offer-checks.js'
export {
  chooseOffer,
  type DspCatalogClient,
  type OfferRequest,
  OfferResolution,
  type ResolvedOffer,
  resolveHttpOffer,
} from './offer-resolution.js'
export { type OfferSummary, summarizeOffer, termsOf } from './offer-summary.js'
export { requesterConstraintEvaluator, validateOfferWithPolicyEngine } from './policy-adapters.js'
export { SearchHitAnswers } from './search-hit-answers.js'
export { foldText } from './text-match.js'
export {
  DATA_THEME_BASE,
  DATA_THEMES,
  FILE_TYPE_BASE,
  FILE_TYPES,
  FREQUENCIES,
  FREQUENCY_BASE,
  LICENSE_BASE,
  LICENSES,
} from './vocabulary.js'
