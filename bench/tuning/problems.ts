/**
 * The problems of bench/tuning: bayesmark's scikit-learn tuning problems (model × data set ×
 * metric), each with bayesmark's search space written in Hyperbayes's own `--param` grammar, so
 * the spaces are parsed and validated by the product's parser and every method gets the same one.
 *
 * Ported from bayesmark's sklearn_funcs.py (the NeurIPS 2020 Black-Box Optimization Challenge),
 * with three changes that the product or current scikit-learn force:
 * - bayesmark's "logit" scale (a float in (0, 1) warped by log(p/(1-p))) has no Hyperbayes or
 *   Optuna equivalent and becomes linear, the choice a user would make;
 * - Lasso's `normalize` is gone from scikit-learn (removed in 1.2), so its space keeps alpha, the
 *   two booleans fit_intercept and positive, max_iter and tol;
 * - a boolean is a choice of `true,false`, as a user passes it to a training script.
 *
 * The set is chosen, not the full product. bayesmark's full list is 9 models × 6 data sets × 2
 * metrics = 108 problems (MLP-sgd, Lasso-classifier, wine and boston too), far beyond a 90-minute
 * budget on a shared 2-core machine with Optuna's GPSampler beside us. These 15 cover each of the
 * issue's 8 models, its 4 data sets and its 4 metrics, and each kind of difficulty a real search
 * has: booleans (Lasso), ints with few values and a finite space (kNN: 100 points), plateaus
 * where many settings tie (trees on accuracy, SVR on diabetes, AdaBoost), a 9-D space (MLP),
 * and failures (settings a model rejects). Within each model the cheapest data sets were taken:
 * digits makes kNN, SVM, AdaBoost, MLP and the logistic regression 10-50 times slower (0.4-0.8 s
 * per 5-fold evaluation), so digits appears once, with a decision tree.
 */
import { parseSpace } from "../../lib/space/parse";
import type { Space } from "../../lib/space/schema";

export type Metric = "nll" | "acc" | "mae" | "mse";

export interface TuningProblem {
  /** model-dataset-metric, bayesmark's naming. */
  name: string;
  model: string;
  dataset: "iris" | "digits" | "breast" | "diabetes";
  metric: Metric;
  space: Space;
}

const SPACES: Record<string, string[]> = {
  kNN: ["n_neighbors=1:25:int", "p=1:4:int"],
  SVM: ["C=1:1000:log", "gamma=0.0001:0.001:log", "tol=0.00001:0.1:log"],
  DT: [
    "max_depth=1:15:int",
    "min_samples_split=0.01:0.99",
    "min_samples_leaf=0.01:0.49",
    "min_weight_fraction_leaf=0.01:0.49",
    "max_features=0.01:0.99",
    "min_impurity_decrease=0:0.5",
  ],
  RF: [
    "max_depth=1:15:int",
    "max_features=0.01:0.99",
    "min_samples_split=0.01:0.99",
    "min_samples_leaf=0.01:0.49",
    "min_weight_fraction_leaf=0.01:0.49",
    "min_impurity_decrease=0:0.5",
  ],
  "MLP-adam": [
    "hidden_layer_sizes=50:200:int",
    "alpha=0.00001:10:log",
    "batch_size=10:250:int",
    "learning_rate_init=0.00001:0.1:log",
    "tol=0.00001:0.1:log",
    "validation_fraction=0.1:0.9",
    "beta_1=0.5:0.99",
    "beta_2=0.9:0.999999",
    "epsilon=1e-9:1e-6:log",
  ],
  ada: ["n_estimators=10:100:int", "learning_rate=0.0001:10:log"],
  logistic: ["C=0.01:100:log", "intercept_scaling=0.01:100:log"],
  lasso: [
    "alpha=0.01:100:log",
    "fit_intercept=true,false",
    "max_iter=10:5000:log:int",
    "tol=0.00001:0.1:log",
    "positive=true,false",
  ],
};

const CHOSEN: [string, TuningProblem["dataset"], Metric][] = [
  ["kNN", "iris", "acc"],
  ["kNN", "diabetes", "mae"],
  ["SVM", "iris", "nll"],
  ["SVM", "diabetes", "mse"],
  ["DT", "breast", "nll"],
  ["DT", "digits", "acc"],
  ["DT", "diabetes", "mse"],
  ["RF", "breast", "nll"],
  ["RF", "diabetes", "mae"],
  ["MLP-adam", "iris", "nll"],
  ["logistic", "iris", "acc"],
  ["logistic", "breast", "nll"],
  ["lasso", "diabetes", "mse"],
  ["lasso", "diabetes", "mae"],
  // Last: AdaBoost costs a quarter of a second per evaluation, as much as the other 14 together.
  ["ada", "iris", "acc"],
];

export const PROBLEMS: TuningProblem[] = CHOSEN.map(([model, dataset, metric]) => ({
  name: `${model}-${dataset}-${metric}`,
  model,
  dataset,
  metric,
  space: parseSpace(SPACES[model]!),
}));

/** `--quick`: four problems that show the failure modes (booleans, ints, plateaus). */
export const QUICK = ["lasso-diabetes-mse", "kNN-iris-acc", "DT-breast-nll", "SVM-iris-nll"];
