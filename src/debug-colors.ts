// libp2p's logging library decides for every logger it creates whether to colour its output, by asking
// whether stderr is a terminal: one `isatty` system call per logger, and libp2p makes loggers per stream (about
// 5 % of an idle anchor's CPU profile, which opens streams for every member's pings and requests). Allmende never
// prints libp2p's debug output in colour by default; an operator's own DEBUG_COLORS stays. Imported for its side
// effect at the entry points (CLI, connector), before any libp2p code loads.
process.env.DEBUG_COLORS ??= 'false'

export {}
