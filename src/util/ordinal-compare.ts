/**
 * Orders two strings by their UTF-16 code units, as `<` does. ISO date-times, DIDs and peer ids sort right
 * so; `localeCompare` sorts them alike but loads ICU's collation tables, about 2 MiB of every node's memory.
 */
export function ordinalCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
