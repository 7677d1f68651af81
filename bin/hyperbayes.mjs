#!/usr/bin/env node
// The `hyperbayes` command. TypeScript sources run through tsx's loader, so the
// command works right after `npm ci` with no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
