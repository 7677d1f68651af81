/**
 * Shell words: how the form's one-line command becomes an argv list, and how an argv list is
 * written back as a command a POSIX shell reads into the same list.
 *
 * The form's command field is read the way a shell splits words (whitespace separates, quotes
 * group, a backslash escapes), so what a user pastes from a terminal means the same thing here.
 * No shell ever runs it: expansion (`$X`, `*`, `~`) does not happen, `$` stays a `$`.
 */

export type SplitResult = { ok: true; argv: string[] } | { ok: false; error: string };

/** Splits a command line into words. Fails only on an unterminated quote or trailing `\`. */
export function splitShellWords(line: string): SplitResult {
  const argv: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < line.length) {
    const c = line[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      if (inWord) argv.push(word);
      word = "";
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { ok: false, error: "a ' quote is never closed" };
      word += line.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        // Inside double quotes a backslash only escapes the characters a shell treats specially.
        if (d === "\\" && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1] as string)) {
          word += line[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      if (!closed) return { ok: false, error: 'a " quote is never closed' };
      inWord = true;
    } else if (c === "\\" && line[i + 1] === "\n") {
      // A line continuation, as in a pasted multi-line command.
      i += 2;
    } else if (c === "\\") {
      if (i + 1 >= line.length) return { ok: false, error: "the command ends with a lone \\" };
      word += line[i + 1];
      inWord = true;
      i += 2;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) argv.push(word);
  return { ok: true, argv };
}

const SAFE = /^[A-Za-z0-9_./:=,+@%^-]+$/;

/** One argument, quoted only when a shell would otherwise change it. */
export function quoteShellWord(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argv list as one command line that `splitShellWords` (and sh) reads back unchanged. */
export function joinShellWords(argv: readonly string[]): string {
  return argv.map(quoteShellWord).join(" ");
}
