import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { ConfigError, nodeDirectory, openNodeStore } from '../../../src/config/index.js'
import { tempDir } from '../../support/temp-dir.js'

describe('openNodeStore: the database a node runs on', () => {
  let root: string

  before(async () => {
    root = await tempDir('allmende-node-store-')
  })

  it('opens the database of a node directory, and says the node runs while another holds it', async () => {
    const directory = nodeDirectory(root)
    const store = await openNodeStore(directory)
    try {
      await assert.rejects(openNodeStore(directory), (error: Error) => {
        assert.ok(error instanceof ConfigError)
        assert.equal(
          error.message,
          `the node in ${directory.root} is already running (its database is locked)`,
        )
        return true
      })
    } finally {
      await store.close()
    }
    await (await openNodeStore(directory)).close()
  })

  it('names the database it cannot open and why', async () => {
    const blocked = join(root, 'not-a-folder')
    await writeFile(blocked, 'a file where the database belongs')
    await assert.rejects(openNodeStore({ root, dbDir: join(blocked, 'db') }), (error: Error) => {
      assert.ok(error instanceof ConfigError)
      assert.match(error.message, new RegExp(`^cannot open database ${join(blocked, 'db')}: `))
      return true
    })
  })
})
