import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import type { CliIo } from '../../../src/cli/command.js'
import { COMMANDS, runCli } from '../../../src/cli/run-cli.js'
import { repoRoot } from '../../support/repo.js'

function capture(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), readStdin: async () => '' }
}

async function run(argv: string[]) {
  const io = capture()
  const code = await runCli(argv, io)
  return { code, out: io.out.join('\n'), err: io.err.join('\n') }
}

describe('allmende help', () => {
  it('lists every command with its summary, without loading any', async () => {
    const { code, out } = await run(['--help'])
    assert.equal(code, 0)
    for (const entry of COMMANDS)
      assert.match(out, new RegExp(`^  ${entry.name} +${literal(entry.summary)}$`, 'm'))
    assert.match(out, /--version/)
    assert.deepEqual(await run(['-h']), { code: 0, out, err: '' })
  })

  it('without arguments prints the list on stderr and exits 2', async () => {
    const { code, out, err } = await run([])
    assert.equal(code, 2)
    assert.equal(out, '')
    assert.match(err, /usage: allmende <command>/)
  })

  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8'))
    assert.deepEqual(await run(['--version']), { code: 0, out: `allmende ${version}`, err: '' })
  })

  for (const entry of COMMANDS) {
    it(`${entry.name} --help names every flag it parses, its default, and an example`, async () => {
      const command = await entry.load()
      assert.equal(command.name, entry.name, 'the registry and the module agree on the name')
      const { code, out } = await run([...entry.name.split(' '), '--help'])
      assert.equal(code, 0)
      assert.ok(out.startsWith(`allmende ${entry.name}: ${entry.summary}`), out)
      const flags = Object.entries(command.flags)
      for (const [name, flag] of flags) {
        assert.ok(flag.help.length > 0, `--${name} has no help`)
        const line = out.split('\n').find((l) => l.includes(`--${name}`) && l.includes(flag.help))
        assert.ok(line !== undefined, `--${name} is not described:\n${out}`)
        assert.match(line, /\((default: .+|required)\)$/, `--${name} shows no default`)
      }
      assert.ok(command.examples.length > 0, 'no example')
      for (const example of command.examples) assert.ok(example.startsWith(`allmende ${entry.name}`), example)
      assert.match(out, /^examples?:$/m)
      assert.equal((await run([...entry.name.split(' '), '-h'])).out, out)
    })

    it(`${entry.name} refuses an unknown flag on one line with exit 2`, async () => {
      const { code, err } = await run([...entry.name.split(' '), '--no-such-flag'])
      assert.equal(code, 2)
      assert.equal(err.trim().split('\n').length, 1, err)
      assert.match(err, /no-such-flag/)
    })
  }

  const groups = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]!))]
  for (const group of groups) {
    it(`${group} --help lists the commands of the group`, async () => {
      const { code, out } = await run([group, '--help'])
      assert.equal(code, 0)
      const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `))
      for (const member of members) assert.match(out, new RegExp(`^  ${member.name} `, 'm'))
      // a group that is also a command (`catalog`) shows its own help with the group's commands after it
      const listed = COMMANDS.some((c) => c.name === group) ? out.slice(out.indexOf('\ncommands:\n')) : out
      assert.equal(listed.split('\n').filter((l) => l.startsWith('  ')).length, members.length)
    })
  }

  it('an unknown command or subcommand ends with exit 2 and says what exists', async () => {
    const unknown = await run(['frobnicate'])
    assert.equal(unknown.code, 2)
    assert.match(unknown.err, /^allmende: unknown command "frobnicate"/)
    const sub = await run(['dataset', 'frobnicate'])
    assert.equal(sub.code, 2)
    assert.match(sub.err, /unknown command "dataset frobnicate"[\s\S]*dataset add/)
  })
})

function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
