/**
 * Metric identity: when two printed names mean the same metric. Keras 2.2 printed `acc` and
 * `val_acc`; Keras 2.3+ and 3 print `accuracy` and `val_accuracy`. Spell users wrote
 * `--metric keras/val_acc`, so under the `keras/` prefix both spellings name one metric. Points
 * keep the name the trial printed; only lookups (aggregation, stop conditions) go through here.
 */
import { metricNameSchema } from "./schema";

/** The Keras prefix for metrics read from `fit` progress lines. */
export const KERAS_PREFIX = "keras/";

// A trailing `acc` segment (`acc`, `val_acc`, `dense_1_acc`) is Keras 2.2's spelling of `accuracy`.
const KERAS_ACC = /(^|_)acc$/;
const KERAS_ACCURACY = /(^|_)accuracy$/;

/** The one spelling that all aliases of `name` share (used only for comparison). */
function canonical(name: string): string {
  if (!name.startsWith(KERAS_PREFIX)) return name;
  const rest = name.slice(KERAS_PREFIX.length);
  return KERAS_PREFIX + rest.replace(KERAS_ACC, "$1accuracy");
}

/** Every name that refers to the same metric as `name`, `name` first. */
export function metricAliases(name: string): string[] {
  if (!name.startsWith(KERAS_PREFIX)) return [name];
  const rest = name.slice(KERAS_PREFIX.length);
  if (KERAS_ACC.test(rest)) return [name, KERAS_PREFIX + rest.replace(KERAS_ACC, "$1accuracy")];
  if (KERAS_ACCURACY.test(rest))
    return [name, KERAS_PREFIX + rest.replace(KERAS_ACCURACY, "$1acc")];
  return [name];
}

/** True when `a` and `b` name the same metric (`keras/val_acc` and `keras/val_accuracy`). */
export function sameMetric(a: string, b: string): boolean {
  return a === b || canonical(a) === canonical(b);
}

/** True when `name` is acceptable as a metric name (the rule of `metricNameSchema`). */
export function isMetricName(name: string): boolean {
  return metricNameSchema.safeParse(name).success;
}
