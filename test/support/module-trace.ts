// `node --import` this file (with ALLMENDE_MODULE_TRACE=FILE) to record every ES module the process loads.
import { register } from 'node:module'

register('./module-trace-hooks.js', import.meta.url)
