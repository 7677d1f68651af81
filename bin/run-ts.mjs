#!/usr/bin/env node
// Runs a TypeScript entry point (benchmarks, scripts): node bin/run-ts.mjs FILE [ARGS...]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: node bin/run-ts.mjs FILE [ARGS...]\n");
  process.exit(2);
}
process.argv.splice(1, 2, resolve(file));
register();
await import(pathToFileURL(resolve(file)).href);
