/**
 * Flags of Spell's `spell run` (which `spell hyper` takes too) that a self-hosted tool has no use
 * for: each with what to do instead. An unknown flag that is one of these gets its hint (exit 2)
 * instead of parseArgs's bare "Unknown option". docs/spell.md says the same, at more length; its
 * test (`cli/spell-flags.test.ts`) checks that every flag here is on that page.
 */
export const SPELL_ONLY_FLAGS: Readonly<Record<string, string>> = {
  pip: "install packages in your environment first (pip install ..., or a venv the command's python belongs to)",
  "pip-req": "install the requirements in your environment first (pip install -r requirements.txt)",
  requirements:
    "install the requirements in your environment first (pip install -r requirements.txt)",
  apt: "install system packages on the machine first (apt-get install ...)",
  "conda-file":
    "create the environment first (conda env create -f FILE) and run its python in the command",
  "docker-image":
    "trials run as plain processes: put docker run ... in the command, or use the image's python",
  framework: "trials use whatever framework your environment has installed",
  python2: "trials run the python your command names",
  python3: "trials run the python your command names",
  mount:
    "trials read files from this machine's (or the cluster's shared) file system: give their paths to your script",
  "commit-ref":
    "trials run the files in the working directory (--cwd) as they are: check out the commit first",
  "github-url": "trials run the files in the working directory (--cwd): clone the repository first",
  "github-ref": "trials run the files in the working directory (--cwd): check out the ref first",
  force: "nothing is uploaded, so there is nothing to force",
  idempotent: "a search is never reused: hyperbayes rerun ID runs one again",
  "tensorboard-dir":
    "metrics are read from the trial's output; point TensorBoard at your own log folder",
  distributed:
    "one trial is one process (or one Slurm job): start your distributed launcher in the command",
  provider:
    "trials run on this machine or on your Slurm cluster (machine types in hyperbayes.config.json)",
};

/** The hint for `--NAME` when it is a Spell flag we do not take; undefined otherwise. */
export function spellFlagHint(option: string): string | undefined {
  const name = option.replace(/^--?/, "").split("=")[0] ?? "";
  const what = Object.hasOwn(SPELL_ONLY_FLAGS, name) ? SPELL_ONLY_FLAGS[name] : undefined;
  if (what === undefined) return undefined;
  return `--${name} is a Spell flag: ${what}; see docs/spell.md`;
}
