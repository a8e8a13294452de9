#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 node --max-semi-space-size=4 --expose-gc
// The package's bin (dist/bundle/allmende.js): runs the command's bundle, dist/bundle/allmende.cjs, with its code
// cache (code-cache.ts), after the V8 flags its first line has no room for (v8-flags.ts): V8's code cache holds
// the flags it was made with. The build names the bundle's content hash.
import { fileURLToPath } from 'node:url'
import { runBundle } from './code-cache.js'
import { setRuntimeV8Flags } from './v8-flags.js'

declare const ALLMENDE_BUNDLE_ID: string

setRuntimeV8Flags()
runBundle(fileURLToPath(new URL('./allmende.cjs', import.meta.url)), ALLMENDE_BUNDLE_ID)
