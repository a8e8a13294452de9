import type { AuditLog } from '../audit/index.js'
import type { Logger } from '../log/index.js'
import type { Catalog } from './catalog.js'

/**
 * From now on, every change of this node's catalog is written to the audit log (`catalog.published`,
 * `catalog.removed`), so what a provider offered when can be proven later. The change itself is already
 * stored: an entry that cannot be written is logged, never undoes it.
 */
export function auditCatalogChanges(
  catalog: Pick<Catalog, 'onChange'>,
  audit: Pick<AuditLog, 'record'>,
  log: Logger,
): () => void {
  return catalog.onChange((change) => {
    audit
      .record({
        type: change.removed ? 'catalog.removed' : 'catalog.published',
        subject: change.datasetId,
        data: change,
      })
      .catch((err: Error) => log.error({ err }, 'catalog audit entry not written'))
  })
}
