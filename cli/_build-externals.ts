/**
 * The console build's external packages as real folders. Turbopack refers to the server's native
 * and driver packages (`serverExternalPackages`: better-sqlite3, pg) through symbolic links under
 * `.next/node_modules` (`better-sqlite3-<hash>` -> `../../node_modules/better-sqlite3`), and npm
 * leaves symbolic links out of a package, so a packed build would not find them. Each link
 * becomes a one-file package that requires the real one by name, which Node finds in the
 * node_modules above `.next` (the repository's, or the installed package's own), as the link did.
 * Done after every build (cli/_console-server's ensureBuilt) and again by `npm pack`
 * (bin/prepack.ts) for a build made by plain `next build`. See docs/decisions/install.md.
 */
import {
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";

/**
 * Replaces each symbolic link under `<root>/.next/node_modules` by a package that re-exports its
 * target, and checks that the alias leads to that package. Returns `alias -> package` for each
 * one replaced; folders already replaced are left as they are.
 */
export function materializeExternals(root: string): string[] {
  const dir = join(root, ".next", "node_modules");
  let aliases: string[];
  try {
    aliases = readdirSync(dir);
  } catch {
    return [];
  }
  const made: string[] = [];
  for (const alias of aliases) {
    const link = join(dir, alias);
    if (!lstatSync(link).isSymbolicLink()) continue;
    const target = resolve(dir, readlinkSync(link));
    const { name } = JSON.parse(readFileSync(join(target, "package.json"), "utf8")) as {
      name: string;
    };
    rmSync(link);
    mkdirSync(link);
    writeFileSync(
      join(link, "package.json"),
      `${JSON.stringify({ name: alias, private: true, main: "index.js" }, null, 2)}\n`,
    );
    writeFileSync(
      join(link, "index.js"),
      `// In place of a link to ${name} (cli/_build-externals.ts): npm packs no links.\nmodule.exports = require(${JSON.stringify(name)});\n`,
    );
    // From where the server requires it, the alias must reach the package the link reached.
    const viaAlias = createRequire(join(dir, "..", "server", "index.js")).resolve(alias);
    const real = createRequire(viaAlias).resolve(name);
    if (!real.startsWith(`${target}/`))
      throw new Error(`${alias} reaches ${real}, not the package in ${target}`);
    made.push(`${alias} -> ${name}`);
  }
  return made;
}
