import '../../../../src/polyfills.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CLOSE_TAGS_INTERVAL_MS, withCloseTagsEvery } from '../../../../src/bindings/p2p/dht-close-tags.js'
import { AllmendeError } from '../../../../src/protocol/errors.js'
import { loneLibp2p } from '../../../support/lone-libp2p.js'

/** The interval kad-dht's closest-peer tagger of a node runs at (read where the patch sets it). */
function closeTagsInterval(dht: unknown): number | undefined {
  return (dht as { routingTable?: { closestPeerTagger?: { refreshInterval?: number } } }).routingTable
    ?.closestPeerTagger?.refreshInterval
}

describe('DHT closest-peer tags', () => {
  it('are redone once a minute on a node, not every 5 s', async () => {
    const node = await loneLibp2p('close-tags-test')
    assert.equal(closeTagsInterval(node.services.dht), CLOSE_TAGS_INTERVAL_MS)
    assert.ok(CLOSE_TAGS_INTERVAL_MS >= 60_000)
  })

  it('refuse a DHT whose tagger is not where the patch looks for it', () => {
    const build = withCloseTagsEvery(60_000, () => ({ routingTable: {} }))
    assert.throws(
      () => build({}),
      (error: unknown) => error instanceof AllmendeError && error.code === 'ALLMENDE_LIBP2P_PATCH',
    )
  })
})
