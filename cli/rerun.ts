/**
 * `hyperbayes rerun ID [flags] [-- COMMAND...]`: a new search with the stored search's spec (its
 * kind, seed and env included), the flags given overriding it, as `--from FILE` does with an
 * export. The env values are the stored ones: they never left this store, unlike an export's,
 * which are masked.
 */
import { UsageError } from "../lib/errors";
import { getSearchOrFail, searchIdArg, withStore } from "./_common";
import { parseSearchArgs, searchUsage } from "./_search-flags";
import { start } from "./search";

const USAGE = (kind: string) =>
  `usage: hyperbayes rerun ID [flags of hyperbayes ${kind}] [-- COMMAND...]
  a new search with search ID's spec (seed and env included); each flag given overrides it,
  -e KEY=VALUE sets one variable, --param replaces the parameters, a command after -- the command
`;

export async function run(argv: string[]): Promise<number> {
  // The id first, as every ID command takes it; the kind is the stored search's.
  const [idText, ...rest] = argv;
  if (idText === undefined || idText === "--help" || idText === "-h") {
    process.stdout.write(USAGE("bayesian"));
    return idText === undefined ? 2 : 0;
  }
  if (idText.startsWith("-"))
    throw new UsageError(
      `the search id comes first: hyperbayes rerun ID [flags]\n\n${USAGE("bayesian")}`,
    );
  const id = searchIdArg([idText], USAGE("bayesian"));
  const search = await withStore((store) => getSearchOrFail(store, id));
  const flags = parseSearchArgs(search.kind, rest);
  if (flags.values.help) {
    process.stdout.write(USAGE(search.kind) + searchUsage(search.kind));
    return 0;
  }
  if (flags.values.from !== undefined)
    throw new UsageError("rerun takes its spec from the search; --from is for a file");
  process.stderr.write(`rerun of search ${id}\n`);
  return start(search.kind, flags, {
    source: `search ${id}`,
    spec: search.spec as unknown as Record<string, unknown>,
    masked: false,
  });
}
