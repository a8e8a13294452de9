import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { type CliIo, UsageError } from '../../../src/cli/command.js'
import { identityDidWebCommand } from '../../../src/cli/commands/identity-did-web.js'
import {
  buildDidWebDocument,
  didWebDocumentUrl,
  didWebFromDomain,
  didWebIdentity,
  InvalidDidError,
  nodeKeyFromSeed,
  writeNodeKey,
} from '../../../src/identity/index.js'
import { tempDir } from '../../support/temp-dir.js'

describe('didWebFromDomain / didWebDocumentUrl', () => {
  it('builds did:web identifiers per the method spec', () => {
    assert.equal(didWebFromDomain('kusel.de'), 'did:web:kusel.de')
    assert.equal(didWebFromDomain('Kusel.DE'), 'did:web:kusel.de')
    assert.equal(didWebFromDomain('localhost:8443'), 'did:web:localhost%3A8443')
    assert.equal(didWebFromDomain('kusel.de/daten/raum'), 'did:web:kusel.de:daten:raum')
    assert.throws(() => didWebFromDomain('not a domain'), InvalidDidError)
    assert.throws(() => didWebFromDomain('kusel.de:port'), InvalidDidError)
  })

  it('names where the document is published', () => {
    assert.equal(didWebDocumentUrl('did:web:kusel.de'), 'https://kusel.de/.well-known/did.json')
    assert.equal(didWebDocumentUrl('did:web:localhost%3A8443'), 'https://localhost:8443/.well-known/did.json')
    assert.equal(didWebDocumentUrl('did:web:kusel.de:daten'), 'https://kusel.de/daten/did.json')
  })
})

describe('buildDidWebDocument', () => {
  it('names the node key as a Multikey and links the did:key', async () => {
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(7))
    const document = buildDidWebDocument('kusel.de', key)
    const multibase = key.did.slice('did:key:'.length)
    assert.equal(document.id, 'did:web:kusel.de')
    assert.deepEqual(document.alsoKnownAs, [key.did])
    assert.deepEqual(document.verificationMethod, [
      {
        id: `did:web:kusel.de#${multibase}`,
        type: 'Multikey',
        controller: 'did:web:kusel.de',
        publicKeyMultibase: multibase,
      },
    ])
    assert.deepEqual(document.assertionMethod, [`did:web:kusel.de#${multibase}`])
    assert.deepEqual(document.authentication, [`did:web:kusel.de#${multibase}`])
    assert.equal(didWebIdentity('kusel.de', key).verificationMethod, `did:web:kusel.de#${multibase}`)
  })
})

function captureIo(): CliIo & { out: string[] } {
  const out: string[] = []
  return { out, stdout: (t) => out.push(t), stderr: (t) => out.push(t), readStdin: async () => '' }
}

describe('allmende identity did-web', () => {
  it('writes the did.json of the node key', async () => {
    const dir = await tempDir('allmende-didweb-')
    const key = await nodeKeyFromSeed(new Uint8Array(32).fill(9))
    await writeNodeKey(join(dir, 'node.key'), key)
    const io = captureIo()
    const out = join(dir, 'did.json')
    const code = await identityDidWebCommand.run(['--domain', 'kusel.de', '--dir', dir, '--out', out], io)
    assert.equal(code, 0)
    assert.deepEqual(JSON.parse(await readFile(out, 'utf8')), buildDidWebDocument('kusel.de', key))
    assert.match(io.out.join('\n'), /https:\/\/kusel\.de\/\.well-known\/did\.json/)
    const printed = captureIo()
    assert.equal(await identityDidWebCommand.run(['--domain', 'kusel.de', '--dir', dir], printed), 0)
    assert.equal(JSON.parse(printed.out.join('')).id, 'did:web:kusel.de')
  })

  it('requires --domain', async () => {
    await assert.rejects(identityDidWebCommand.run([], captureIo()), UsageError)
  })
})
