import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliCommand } from '../../../src/cli/command.js'
import { configGetCommand, configSetCommand } from '../../../src/cli/commands/config.js'
import { dialableAddresses, initNode, reachabilityWarnings } from '../../../src/config/index.js'
import { tempDir } from '../../support/temp-dir.js'

async function run(command: CliCommand, args: string[]): Promise<string> {
  let out = ''
  const io = {
    stdout: (text: string) => {
      out += `${text}\n`
    },
    stderr: (text: string) => {
      out += text
    },
    readStdin: async () => '',
  }
  assert.equal(await command.run(args, io), 0)
  return out.trim()
}

describe('stable addresses and allmende config get|set', () => {
  it('init fixes a concrete libp2p port once, also for an explicit port 0', async () => {
    const root = await tempDir('allmende-config-')
    const plain = await initNode(join(root, 'plain'), { name: 'Kusel' })
    assert.match(plain.config.listen[0] ?? '', /^\/ip4\/127\.0\.0\.1\/tcp\/[1-9]\d*$/)
    const chosen = await initNode(join(root, 'chosen'), {
      name: 'Mayen-Koblenz',
      overrides: { listen: ['/ip4/127.0.0.1/tcp/0', '/ip4/127.0.0.1/tcp/4999'], announce: [] },
    })
    assert.equal(chosen.config.listen[1], '/ip4/127.0.0.1/tcp/4999')
    assert.doesNotMatch(chosen.config.listen[0] ?? '', /\/tcp\/0$/)
    // Below the ephemeral range: a port the kernel hands out for outgoing connections could be taken by the
    // next start.
    for (const address of [plain.config.listen[0], chosen.config.listen[0]]) {
      const port = Number(/\/tcp\/(\d+)$/.exec(address ?? '')?.[1])
      assert.ok(port >= 20_000 && port < 32_000, `port ${port} of ${address}`)
    }
    const saved = JSON.parse(await readFile(chosen.directory.configFile, 'utf8'))
    assert.deepEqual(saved.listen, chosen.config.listen)
  })

  it('changes listen, announce and bootstrap without touching the key', async () => {
    const root = await tempDir('allmende-config-')
    const node = await initNode(join(root, 'kl'), { name: 'Kaiserslautern' })
    const keyBefore = await readFile(node.directory.keyFile, 'utf8')
    const dir = node.directory.root
    await run(configSetCommand, ['listen', '/ip4/0.0.0.0/tcp/4001', '--dir', dir])
    await run(configSetCommand, ['announce', '/dns4/kl.example/tcp/4001', '--dir', dir])
    const bootstrap = `/ip4/10.0.0.2/tcp/4001/p2p/${node.key.peerId.toString()}`
    await run(configSetCommand, ['bootstrap', bootstrap, '--dir', dir])
    await run(configSetCommand, ['apiPort', '8080', '--dir', dir])
    assert.equal(await run(configGetCommand, ['listen', '--dir', dir]), '/ip4/0.0.0.0/tcp/4001')
    const all = JSON.parse(await run(configGetCommand, ['--dir', dir, '--json']))
    assert.deepEqual(all.announce, ['/dns4/kl.example/tcp/4001'])
    assert.deepEqual(all.bootstrap, [bootstrap])
    assert.equal(all.apiPort, 8080)
    assert.equal(await readFile(node.directory.keyFile, 'utf8'), keyBefore)
    assert.deepEqual(dialableAddresses(all, node.key.peerId.toString()), [
      `/dns4/kl.example/tcp/4001/p2p/${node.key.peerId.toString()}`,
    ])
    await run(configSetCommand, ['bootstrap', '--dir', dir])
    assert.deepEqual(JSON.parse(await run(configGetCommand, ['bootstrap', '--dir', dir, '--json'])), [])
  })

  it('refuses bad values with the field named, and unknown keys', async () => {
    const root = await tempDir('allmende-config-')
    const node = await initNode(join(root, 'x'), { name: 'X' })
    const dir = node.directory.root
    await assert.rejects(run(configSetCommand, ['listen', 'nonsense', '--dir', dir]), /listen\[0\]/)
    await assert.rejects(run(configSetCommand, ['bootstrap', '/ip4/1.2.3.4/tcp/1', '--dir', dir]), /p2p/)
    await assert.rejects(run(configSetCommand, ['apiPort', 'many', '--dir', dir]), /number/)
    await assert.rejects(run(configSetCommand, ['dataspace', 'x', '--dir', dir]), /give one of/)
  })

  it('warns about addresses nobody can dial', () => {
    assert.match(reachabilityWarnings({ listen: ['/ip4/127.0.0.1/tcp/0'], announce: [] }).join(), /port 0/)
    assert.match(
      reachabilityWarnings({ listen: ['/ip4/127.0.0.1/tcp/4001'], announce: [] }).join(),
      /loopback/,
    )
    assert.match(reachabilityWarnings({ listen: ['/ip4/0.0.0.0/tcp/4001'], announce: [] }).join(), /announce/)
    assert.deepEqual(
      reachabilityWarnings({ listen: ['/ip4/0.0.0.0/tcp/4001'], announce: ['/dns4/a.example/tcp/4001'] }),
      [],
    )
  })
})
