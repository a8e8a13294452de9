/** Names of parties (DID -> name) the dashboard has learnt: this node, peers, publishers, members. */
const names = new Map<string, string>()

export function learnNames(entries: Readonly<Record<string, string | undefined>>): void {
  for (const [did, name] of Object.entries(entries))
    if (name !== undefined && name !== '') names.set(did, name)
}

/** A DID shortened for display: `did:key:z6Mk…a1b2`. */
export function shortDid(did: string): string {
  return did.length > 28 ? `${did.slice(0, 18)}…${did.slice(-6)}` : did
}

/** The party's name when known, else its shortened DID. */
export function nameOf(did: string | undefined | null): string {
  if (did === undefined || did === null) return '–'
  return names.get(did) ?? shortDid(did)
}

/** Every known name, as a label map for the policy explanations. */
export function knownNames(): Record<string, string> {
  return Object.fromEntries(names)
}
