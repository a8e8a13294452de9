import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { contractVerifyCommand } from '../../../src/cli/commands/contract-verify.js'
import {
  countersignAgreementCredential,
  issueAgreementCredential,
  type JsonLdObject,
  parseStatusListUrl,
  presentAgreement,
  StatusListIssuer,
} from '../../../src/credentials/index.js'
import { InvalidInputError } from '../../../src/protocol/errors.js'
import { Store } from '../../../src/store/index.js'
import { tempDir } from '../../support/temp-dir.js'
import { parties, sampleAgreement } from './fixtures.js'

function captureIo(stdin = ''): CliIo & { text: () => string } {
  const out: string[] = []
  return {
    text: () => out.join('\n'),
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    readStdin: async () => stdin,
  }
}

async function setup() {
  const keys = await parties()
  const dir = await tempDir('allmende-contract-verify-')
  const store = await Store.open(join(dir, 'db'))
  const lists = await StatusListIssuer.open({ store, key: keys.provider, length: 16 })
  const credentialStatus = await lists.allocate()
  const agreement = sampleAgreement(keys.provider, keys.consumer)
  const signed = await countersignAgreementCredential(
    await issueAgreementCredential(agreement, keys.provider, { credentialStatus }),
    keys.consumer,
  )
  const write = async (name: string, value: JsonLdObject) => {
    const file = join(dir, name)
    await writeFile(file, JSON.stringify(value))
    return file
  }
  return { ...keys, store, lists, credentialStatus, agreement, signed, write }
}

describe('allmende contract verify', () => {
  it('prints who agreed to what; revocation unknown without a list fails unless accepted', async () => {
    const s = await setup()
    const file = await s.write(
      'vp.json',
      await presentAgreement(s.signed, s.consumer, { challenge: 'n-1', domain: 'urn:court' }),
    )
    const io = captureIo()
    const code = await contractVerifyCommand.run(
      [file, '--challenge', 'n-1', '--domain', 'urn:court', '--accept-unknown-status'],
      io,
    )
    assert.equal(code, 0, io.text())
    assert.match(io.text(), new RegExp(s.agreement.uid))
    assert.match(io.text(), new RegExp(`assigner: +${s.provider.did}`))
    assert.match(io.text(), new RegExp(`assignee: +${s.consumer.did}`))
    assert.match(io.text(), /permission: use if purpose eq .*research-0 and dateTime lteq 2027-12-31/)
    assert.match(io.text(), /revocation status unknown \(list not available offline\)/)
    assert.match(io.text(), /in words:\n.*may use/)
    const strict = captureIo()
    assert.equal(await contractVerifyCommand.run([file, '--challenge', 'n-1'], strict), 1)
    assert.match(strict.text(), /status-unavailable/)
    await s.store.close()
  })

  it('checks revocation against a bundled list', async () => {
    const s = await setup()
    await s.lists.revoke(s.credentialStatus)
    const list = await s.lists.getStatusListCredential(
      parseStatusListUrl(s.credentialStatus.statusListCredential).listId,
    )
    const file = await s.write(
      'vp.json',
      await presentAgreement(s.signed, s.consumer, { challenge: 'n', statusListCredentials: [list] }),
    )
    const io = captureIo()
    assert.equal(await contractVerifyCommand.run([file], io), 1)
    assert.match(io.text(), /FAILED \(revoked\)/)
    await s.store.close()
  })

  it('exits 1 naming the failed check: wrong challenge, tampered credential', async () => {
    const s = await setup()
    const vp = await presentAgreement(s.signed, s.consumer, { challenge: 'n-1' })
    const file = await s.write('vp.json', vp)
    const wrong = captureIo()
    assert.equal(await contractVerifyCommand.run([file, '--challenge', 'n-2'], wrong), 1)
    assert.match(wrong.text(), /FAILED \(challenge\)/)
    const tampered = structuredClone(s.signed) as { credentialSubject: { agreement: { target: string } } }
    tampered.credentialSubject.agreement.target = 'https://kusel.de/datasets/all'
    const vcFile = await s.write('vc.json', tampered as unknown as JsonLdObject)
    const io = captureIo()
    assert.equal(await contractVerifyCommand.run([vcFile], io), 1)
    assert.match(io.text(), /FAILED \(signature\)/)
    assert.match(io.text(), /NOT verified/)
    await s.store.close()
  })

  it('reads a credential from stdin and refuses bad JSON as input error', async () => {
    const s = await setup()
    const io = captureIo(JSON.stringify(s.signed))
    assert.equal(await contractVerifyCommand.run(['-', '--accept-unknown-status'], io), 0, io.text())
    await assert.rejects(contractVerifyCommand.run(['-'], captureIo('{not json')), InvalidInputError)
    await s.store.close()
  })
})
