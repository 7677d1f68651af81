#!/usr/bin/env node
// The `hyperbayes` command. TypeScript sources run through tsx's loader, so the
// command works right after `npm ci` with no build step. The package's own tsconfig is named:
// tsx would otherwise read the one in the user's directory, which is not ours.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
await import("../cli/main.ts");
