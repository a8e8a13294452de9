import type { Lang } from '../policy/labels.js'
import { UsageError } from './command.js'

/**
 * The language of messages: `--lang` when given, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`,
 * first set wins, as POSIX does). A locale that is neither German nor English (`C.UTF-8` on most
 * servers) gives German, the language of the municipalities Allmende serves.
 */
export function cliLang(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (flag !== undefined) {
    if (flag !== 'de' && flag !== 'en') throw new UsageError(`--lang must be de or en, not ${flag}`)
    return flag
  }
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '') ?? ''
  return locale.toLowerCase().startsWith('en') ? 'en' : 'de'
}
