/**
 * `npm pack` / `npm publish` (the `prepack` and, with `--after`, `postpack` scripts): makes the
 * console's build part of the package, so an installed copy serves the console without building
 * it (it could not: `next build` needs the devDependencies, which `npm install -g` leaves out).
 * See docs/decisions/install.md.
 *
 *   1. `next build`, unless `.next` is current (the freshness rule of `hyperbayes console`, so
 *      packing right after a build or an e2e run costs seconds).
 *   2. The build's external packages become real folders (cli/_build-externals.ts): npm packs
 *      no symbolic links. ensureBuilt does this after its builds; this covers `npm run build`.
 *   3. `npm-shrinkwrap.json`, a copy of package-lock.json, for installs that honour it (npm
 *      never reads a package-lock inside a package, and ignores the shrinkwrap too when the
 *      package is installed globally from a tarball: npm/cli#5325). What holds the installed
 *      versions to the tested ones is package.json's exact pins (bin/package.test.ts).
 *      `--after` removes it.
 */
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { materializeExternals } from "../cli/_build-externals";
import { ensureBuilt, REPO_ROOT } from "../cli/_console-server";

const SHRINKWRAP = join(REPO_ROOT, "npm-shrinkwrap.json");

if (process.argv.includes("--after")) {
  rmSync(SHRINKWRAP, { force: true });
} else {
  const log = (line: string) => process.stderr.write(`prepack: ${line}\n`);
  // Quiet: npm pack's stdout is the tarball's name (or --json's report); errors still show.
  const built = await ensureBuilt({ log, quiet: true });
  log(built ? "built the console" : "the console's build is current");
  for (const line of materializeExternals(REPO_ROOT)) log(`external ${line}`);
  copyFileSync(join(REPO_ROOT, "package-lock.json"), SHRINKWRAP);
  log("npm-shrinkwrap.json: the dependency versions of package-lock.json");
}
