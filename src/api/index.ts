/**
 * @packageDocumentation
 * The koa management API (`/api/v1`): bearer-token auth, JSON errors, one route module per area;
 * `managementApi` puts every module of a running node together.
 *
 * @example
 * ```ts
 * const api = new ApiServer(log, { host: '127.0.0.1', port: 0, token, routes: [(r) => nodeRoutes(r, view)] })
 * const url = await api.start()
 * ```
 */
export { ApiServer, type ApiServerInit, type RouteModule } from './api-server.js'
export {
  ApiPortInUseError,
  httpStatusOf,
  PayloadTooLargeError,
  UnauthorizedError,
} from './errors.js'
export { type LiveEvent, LiveEvents, type LiveEventType } from './live-events.js'
export { watchNode } from './live-sources.js'
export { type ManagementApiParts, managementApi } from './management-api.js'
export {
  type ConnectionChurnCounts,
  collectMetrics,
  countByState,
  type MetricsComponents,
  type MetricsSnapshot,
  type MetricsSource,
  metricsSource,
  PROMETHEUS_CONTENT_TYPE,
  renderMetrics,
} from './metrics.js'
export { CsrfError, DashboardSessions, LoginCodeError } from './middleware/session.js'
export { NodeApiError, NodeClient, NodeNotRunningError } from './node-client.js'
export { type NodeStatusParts, nodeStatusOf } from './node-status.js'
export { agreementProofRoutes, type PartyMembership } from './routes/agreement-proof-routes.js'
export { auditRoutes } from './routes/audit-routes.js'
export { auditVerifyRoutes } from './routes/audit-verify-routes.js'
export { backupRoutes } from './routes/backup-routes.js'
export { type CatalogRoutesInit, catalogRoutes } from './routes/catalog-routes.js'
export { type ContractRoutesInit, contractRoutes } from './routes/contract-routes.js'
export { dashboardRoutes } from './routes/dashboard-routes.js'
export { datasetRoutes } from './routes/dataset-routes.js'
export { type DataspaceRoutesView, dataspaceRoutes } from './routes/dataspace-routes.js'
export { eventsRoutes } from './routes/events-routes.js'
export { metricsRoutes } from './routes/metrics-routes.js'
export {
  type NodeIdentityView,
  type NodeStatusView,
  type NodeView,
  nodeRoutes,
  type PartyName,
} from './routes/node-routes.js'
export { openapiDocumentPath, openapiRoutes } from './routes/openapi-routes.js'
export { policyRoutes } from './routes/policy-routes.js'
export { transferRoutes } from './routes/transfer-routes.js'
export { VC_API_OPEN_PATHS, type VcApiRoutesInit, vcApiRoutes } from './routes/vc-api-routes.js'
