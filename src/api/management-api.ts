import type { AuditLog } from '../audit/index.js'
import {
  type Catalog,
  type CatalogFederation,
  exportOptionsOf,
  type OfferRequest,
  type ResolvedOffer,
  SearchHitAnswers,
} from '../catalog/index.js'
import { downloadPath, type NodeFiles } from '../config/index.js'
import type { AgreementRevocation, NegotiationService } from '../contract/index.js'
import type { StatusChecker, StatusListSource } from '../credentials/index.js'
import type { DataspaceService, PartyNames } from '../dataspace/index.js'
import type { Clock } from '../lifecycle/index.js'
import type { Logger, UnauthenticatedRefusals } from '../log/index.js'
import type { Store } from '../store/index.js'
import type { DutyTracker, TransferManager } from '../transfer/index.js'
import { ApiServer } from './api-server.js'
import type { LiveEvents } from './live-events.js'
import { metricsSource } from './metrics.js'
import type { DashboardSessions } from './middleware/session.js'
import { agreementProofRoutes } from './routes/agreement-proof-routes.js'
import { auditRoutes } from './routes/audit-routes.js'
import { auditVerifyRoutes } from './routes/audit-verify-routes.js'
import { backupRoutes } from './routes/backup-routes.js'
import { catalogRoutes } from './routes/catalog-routes.js'
import { contractRoutes } from './routes/contract-routes.js'
import { dashboardRoutes } from './routes/dashboard-routes.js'
import { datasetRoutes } from './routes/dataset-routes.js'
import { dataspaceRoutes } from './routes/dataspace-routes.js'
import { eventsRoutes } from './routes/events-routes.js'
import { metricsRoutes } from './routes/metrics-routes.js'
import { type NodeView, nodeRoutes } from './routes/node-routes.js'
import { openapiRoutes } from './routes/openapi-routes.js'
import { policyRoutes } from './routes/policy-routes.js'
import { transferRoutes } from './routes/transfer-routes.js'
import { vcApiRoutes } from './routes/vc-api-routes.js'

/** What a started node shows through its management API. */
export interface ManagementApiParts {
  readonly files: NodeFiles
  readonly store: Store
  readonly clock: Clock
  readonly sessions: DashboardSessions
  readonly events: LiveEvents
  readonly node: NodeView
  readonly dataspace?: DataspaceService
  readonly names: PartyNames
  readonly refusals: UnauthenticatedRefusals
  readonly audit: AuditLog
  readonly catalog: Catalog
  readonly federation: CatalogFederation
  readonly negotiations: NegotiationService
  readonly offers: { resolve(request: OfferRequest): Promise<ResolvedOffer> }
  readonly revocation: AgreementRevocation
  readonly statusLists: StatusListSource
  readonly statusChecker: StatusChecker
  readonly duties: DutyTracker
  readonly transfers: TransferManager
}

/** The management API of a node (`/api/v1`, the dashboard, `/metrics`): every route module over the node's parts. */
export function managementApi(log: Logger, parts: ManagementApiParts): ApiServer {
  const { config, key, directory, apiToken } = parts.files
  const { names } = parts
  const answers = new SearchHitAnswers({ [key.did]: config.name })
  return new ApiServer(log, {
    host: config.apiHost,
    port: config.apiPort,
    token: apiToken,
    sessions: parts.sessions,
    routes: [
      (router) => dashboardRoutes(router, { sessions: parts.sessions }),
      (router) => eventsRoutes(router, parts.events),
      (router) => policyRoutes(router),
      (router) => nodeRoutes(router, parts.node),
      (router) => dataspaceRoutes(router, { dataspace: () => parts.dataspace, root: directory.root }),
      (router) => datasetRoutes(router, parts.catalog),
      (router) =>
        catalogRoutes(router, {
          catalog: parts.catalog,
          federation: parts.federation,
          providerNames: () => names.given(),
          exportOptions: () => exportOptionsOf({ ...config, did: key.did }),
          answers,
        }),
      (router) =>
        contractRoutes(router, {
          negotiations: parts.negotiations,
          offers: parts.offers,
          revocation: parts.revocation,
          statusLists: parts.statusLists,
          duties: parts.duties,
        }),
      (router) =>
        agreementProofRoutes(router, {
          negotiations: parts.negotiations,
          revocation: parts.revocation,
          key,
          names: async () => ({ ...(await parts.federation.labels()), [key.did]: config.name }),
          membership: (parties) => names.evidenceOf(parties),
        }),
      (router) => auditRoutes(router, parts.audit),
      (router) => auditVerifyRoutes(router, { store: parts.store, did: key.did }),
      (router) => backupRoutes(router, parts.store),
      (router) =>
        transferRoutes(router, parts.transfers, (requested) => downloadPath(directory, config, requested)),
      (router) => openapiRoutes(router),
      (router) => vcApiRoutes(router, { key, statusChecker: parts.statusChecker, clock: parts.clock }),
      (router) =>
        metricsRoutes(
          router,
          metricsSource({
            peers: () => parts.node.peers(),
            negotiations: parts.negotiations,
            transfers: parts.transfers,
            audit: parts.audit,
            refusals: parts.refusals,
            federation: parts.federation,
            churn: () => parts.node.connectionChurn(),
          }),
        ),
    ],
  })
}
