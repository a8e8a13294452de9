import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { DEFAULT_NODE_DIR, openNode } from '../../config/index.js'
import { checkDescriptorDraft, InvalidDescriptorError } from '../../dataspace/index.js'
import { type CliCommand, UsageError } from '../command.js'
import { NODE_FLAGS, parseFlags } from '../flags.js'
import { signAndPlace } from './dataspace-descriptor.js'
import { describeSigned } from './dataspace-update.js'

export const dataspaceSignCommand: CliCommand = {
  name: 'dataspace sign',
  usage: 'allmende dataspace sign FILE [--dir DIR] [--json]',
  flags: NODE_FLAGS,
  examples: ['allmende dataspace sign draft.json --dir ./kusel'],
  async run(args, io) {
    const { values, positionals } = parseFlags('dataspace sign', () =>
      parseArgs({ args, options: NODE_FLAGS, allowPositionals: true }),
    )
    const file = positionals[0]
    if (file === undefined || positionals.length !== 1) {
      throw new UsageError('dataspace sign: give the descriptor draft file another anchor wrote')
    }
    let json: unknown
    try {
      json = JSON.parse(await readFile(file, 'utf8'))
    } catch (cause) {
      throw new InvalidDescriptorError(`cannot read descriptor ${file}: ${(cause as Error).message}`, {
        cause,
      })
    }
    const { descriptor } = await checkDescriptorDraft(json)
    const dir = values.dir ?? DEFAULT_NODE_DIR
    const files = await openNode(dir)
    const signed = await signAndPlace(files, dir, descriptor, { draftPath: file })
    if (values.json === true) {
      io.stdout(
        JSON.stringify({
          descriptor: signed.path,
          id: descriptor.id,
          version: descriptor.version,
          state: signed.state,
          ...(signed.state === 'draft' ? { missing: signed.missing } : {}),
        }),
      )
      return 0
    }
    io.stdout([signed.path, ...describeSigned(signed, dir)].join('\n'))
    return 0
  },
}
