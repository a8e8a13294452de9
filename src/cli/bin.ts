#!/usr/bin/env -S GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 node --max-semi-space-size=4 --expose-gc
// The package's bin (dist/bundle/allmende.js): runs the command's bundle, dist/bundle/allmende.cjs, with its code
// cache (code-cache.ts). The build names the bundle's content hash.
import { fileURLToPath } from 'node:url'
import { runBundle } from './code-cache.js'

declare const ALLMENDE_BUNDLE_ID: string

runBundle(fileURLToPath(new URL('./allmende.cjs', import.meta.url)), ALLMENDE_BUNDLE_ID)
