/**
 * Goal inference: whether a metric is better high or low when the user gave no `--goal`.
 *
 * The name is cut into words at `/`, `_`, `-`, `.`, spaces, camelCase humps and letter/digit
 * boundaries (`keras/val_loss` -> keras, val, loss; `valMSE` -> val, mse; `top5Error` -> top, 5,
 * error). A metric is minimized when one of its words is a word for a cost (loss, error, mse...);
 * whole words only, so `terrible_acc` and `lossless_ratio` are maximized. Everything else is
 * maximized (accuracy, f1, auc, reward, ...). The CLI prints the inferred goal so a wrong guess
 * is seen before the search runs.
 */
import type { Goal } from "./schema";

/** Words that name a quantity to minimize. */
export const MINIMIZE_WORDS: ReadonlySet<string> = new Set([
  "loss",
  "losses",
  "error",
  "errors",
  "err",
  "mse",
  "mae",
  "rmse",
  "msle",
  "rmsle",
  "mape",
  "nll",
  "logloss",
  "crossentropy",
  "perplexity",
  "ppl",
  "wer",
  "cer",
  "divergence",
  "regret",
  "cost",
]);

/** The words of a metric name, lowercased. */
export function metricWords(metric: string): string[] {
  return metric
    .replace(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/g, " ")
    .replace(/(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])/g, " ")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** `minimize` when a word of the name names a cost, else `maximize`. */
export function inferGoal(metric: string): Goal {
  return metricWords(metric).some((w) => MINIMIZE_WORDS.has(w)) ? "minimize" : "maximize";
}

/** The goal to use: the user's when given, else the inferred one (flagged so it can be shown). */
export function resolveGoal(metric: string, goal?: Goal): { goal: Goal; inferred: boolean } {
  return goal ? { goal, inferred: false } : { goal: inferGoal(metric), inferred: true };
}
