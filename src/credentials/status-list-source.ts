import { parseStatusListUrl, type StatusListFetcher, type StatusListIssuer } from './status-list.js'
import type { JsonLdObject } from './verification.js'

/**
 * Where a status list credential is read: this node's own lists from its issuer (a node cannot ask
 * itself over the network), every other issuer's through `remote`.
 */
export class StatusListSource {
  constructor(
    private readonly own: {
      readonly did: string
      readonly lists: Pick<StatusListIssuer, 'getStatusListCredential'>
    },
    private readonly remote: StatusListFetcher,
  ) {}

  /** The current status list credential at `listUrl`. */
  fetch(listUrl: string): Promise<JsonLdObject> {
    const { issuerDid, listId } = parseStatusListUrl(listUrl)
    return issuerDid === this.own.did ? this.own.lists.getStatusListCredential(listId) : this.remote(listUrl)
  }

  /** The list a credential's revocation is read from now; undefined for a credential without a status entry. */
  async ofCredential(credential: JsonLdObject): Promise<JsonLdObject | undefined> {
    const entry = credential.credentialStatus as { statusListCredential?: unknown } | undefined
    if (typeof entry?.statusListCredential !== 'string') return undefined
    return this.fetch(entry.statusListCredential)
  }
}
