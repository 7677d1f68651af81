"""Gradient boosting with XGBoost on scikit-learn's bundled breast cancer data (569 tumours,
30 features, benign or malignant; no download).

Trains --n_estimators trees of at most --max_depth levels at --learning_rate, each on a
--subsample of the rows and --colsample_bytree of the features, on 75% of the data, and prints
XGBoost's own evaluation lines (verbose_eval), training set first, validation set second:

    [42]	train-logloss:0.03012	train-error:0.00235	valid-logloss:0.14501	valid-error:0.04895

Hyperbayes reads each as `train-logloss`, ..., `valid-error` at step 42 (the round, from 0). Tune with `--metric valid-logloss --metric-agg min` (the best round; XGBoost's early
stopping would keep that model) or `--metric-agg last`. Deterministic: one thread, fixed seeds.

    python3 train.py --max_depth 4 --learning_rate 0.1 --subsample 0.8
"""

import argparse
import sys

import xgboost as xgb
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split


def share(text):
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {text}")
    return value


def positive(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max_depth", type=int, required=True, help="depth of each tree, >= 1")
    parser.add_argument("--learning_rate", type=positive, required=True, help="shrinkage (log scale)")
    parser.add_argument("--subsample", type=share, default=1.0, help="rows sampled per tree")
    parser.add_argument("--colsample_bytree", type=share, default=1.0, help="features sampled per tree")
    parser.add_argument("--min_child_weight", type=float, default=1.0)
    parser.add_argument("--n_estimators", type=int, default=60, help="boosting rounds")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.max_depth < 1 or args.n_estimators < 1:
        parser.error("--max_depth and --n_estimators must be >= 1")

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    train = xgb.DMatrix(X_train, label=y_train)
    valid = xgb.DMatrix(X_valid, label=y_valid)
    params = {
        "objective": "binary:logistic",
        "eval_metric": ["logloss", "error"],
        "max_depth": args.max_depth,
        "eta": args.learning_rate,
        "subsample": args.subsample,
        "colsample_bytree": args.colsample_bytree,
        "min_child_weight": args.min_child_weight,
        "nthread": 1,
        "seed": args.seed,
    }
    xgb.train(params, train, args.n_estimators, evals=[(train, "train"), (valid, "valid")],
              verbose_eval=True)


if __name__ == "__main__":
    sys.exit(main())
