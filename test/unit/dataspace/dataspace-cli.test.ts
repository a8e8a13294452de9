import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliCommand, CliIo } from '../../../src/cli/command.js'
import { dataspaceCreateCommand } from '../../../src/cli/commands/dataspace-create.js'
import { dataspaceEndorseCommand } from '../../../src/cli/commands/dataspace-endorse.js'
import { dataspaceJoinCommand } from '../../../src/cli/commands/dataspace-join.js'
import { dataspaceMembersCommand } from '../../../src/cli/commands/dataspace-members.js'
import { dataspaceRevokeCommand } from '../../../src/cli/commands/dataspace-revoke.js'
import { initNode } from '../../../src/config/index.js'
import { tempDir } from '../../support/temp-dir.js'

async function run(command: CliCommand, args: string[]): Promise<string> {
  let out = ''
  const io: CliIo = {
    stdout: (text) => {
      out += `${text}\n`
    },
    stderr: (text) => {
      out += text
    },
    readStdin: async () => '',
  }
  assert.equal(await command.run(args, io), 0)
  return out.trim()
}

describe('allmende dataspace commands on stopped nodes (database opened directly)', () => {
  it('create, join, endorse, members, revoke', async () => {
    const root = await tempDir('allmende-dataspace-cli-')
    const anchor = await initNode(join(root, 'anchor'), { name: 'Anker' })
    const member = await initNode(join(root, 'member'), { name: 'Mitglied' })
    const created = JSON.parse(
      await run(dataspaceCreateCommand, [
        '--title',
        'Südwest',
        '--membership-refresh',
        '5',
        '--dir',
        anchor.directory.root,
        '--json',
      ]),
    ) as { descriptor: string; id: string }
    assert.equal(created.descriptor, join(anchor.directory.root, 'dataspace.json'))
    const anchorConfig = JSON.parse(await readFile(anchor.directory.configFile, 'utf8'))
    assert.equal(anchorConfig.dataspace, created.id)
    assert.equal(anchorConfig.descriptor, 'dataspace.json')
    assert.equal(anchorConfig.membershipRefresh, 5)
    // A stopped anchor records the address its config fixed at init: members can dial it once it starts.
    assert.deepEqual(JSON.parse(await readFile(created.descriptor, 'utf8')).bootstrap, [
      `${anchor.config.listen[0]}/p2p/${anchor.key.peerId.toString()}`,
    ])
    assert.doesNotMatch(anchor.config.listen[0] ?? '', /\/tcp\/0$/)

    await assert.rejects(
      run(dataspaceCreateCommand, ['--title', 'Noch eine', '--dir', anchor.directory.root]),
      /already belongs to data space/,
    )
    const joined = JSON.parse(
      await run(dataspaceJoinCommand, [
        '--descriptor',
        created.descriptor,
        '--dir',
        member.directory.root,
        '--json',
      ]),
    ) as { id: string; did: string }
    assert.equal(joined.id, created.id)
    assert.equal(joined.did, member.key.did)

    await assert.rejects(
      run(dataspaceEndorseCommand, [anchor.key.did, '--dir', member.directory.root]),
      /not a trust anchor/,
    )
    await run(dataspaceEndorseCommand, [member.key.did, '--dir', anchor.directory.root])
    const listed = JSON.parse(await run(dataspaceMembersCommand, ['--dir', anchor.directory.root, '--json']))
    assert.deepEqual(
      listed.map((m: { did: string; state: string }) => [m.did, m.state]),
      [[member.key.did, 'active']],
    )
    await run(dataspaceRevokeCommand, [member.key.did, '--dir', anchor.directory.root])
    const after = await run(dataspaceMembersCommand, ['--dir', anchor.directory.root])
    assert.match(after, new RegExp(`${member.key.did}  revoked`))
    await assert.rejects(
      run(dataspaceRevokeCommand, ['did:key:z6Mknot', '--dir', anchor.directory.root]),
      /did:key/,
    )
  })

  it('refuses bad flags with a usage error', async () => {
    await assert.rejects(run(dataspaceCreateCommand, []), /--title is required/)
    await assert.rejects(run(dataspaceJoinCommand, []), /--descriptor FILE is required/)
    await assert.rejects(run(dataspaceEndorseCommand, []), /the member's DID .* or its node directory/)
    await assert.rejects(
      run(dataspaceCreateCommand, ['--title', 'x', '--membership-refresh', 'soon']),
      /--membership-refresh/,
    )
  })
})
