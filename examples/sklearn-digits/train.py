"""An SVM on scikit-learn's bundled digits (8x8 images of 0-9, 1797 of them; no download).

The images are projected on their first --width principal components, then classified by an
RBF-kernel SVM with --C and --gamma, in a 5-fold cross-validation. One line per fold:

    fold 1/5: val_acc=0.9722 train_acc=1.0000 seconds=0.05

and a summary line `cv_val_acc=0.9783`. Tune with `--metric val_acc --metric-agg avg` (the
folds' mean) or `--metric cv_val_acc`. Deterministic: the folds are shuffled with a fixed seed.

    python3 train.py --C 10 --gamma 0.001 --width 32
"""

import argparse
import sys
import time

from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC


def positive(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--C", type=positive, required=True, help="SVM regularization (log scale)")
    parser.add_argument("--gamma", type=positive, required=True, help="RBF kernel width (log scale)")
    parser.add_argument("--width", type=int, required=True, help="principal components kept, 1-64")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.width <= 64:
        parser.error(f"--width must be from 1 to 64, got {args.width}")

    X, y = load_digits(return_X_y=True)
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=0)
    scores = []
    for fold, (train, valid) in enumerate(folds.split(X, y), start=1):
        start = time.perf_counter()
        model = make_pipeline(PCA(n_components=args.width, random_state=0), SVC(C=args.C, gamma=args.gamma))
        model.fit(X[train], y[train])
        val_acc = model.score(X[valid], y[valid])
        train_acc = model.score(X[train], y[train])
        scores.append(val_acc)
        seconds = time.perf_counter() - start
        print(f"fold {fold}/{args.folds}: val_acc={val_acc:.4f} train_acc={train_acc:.4f} seconds={seconds:.2f}", flush=True)
    print(f"cv_val_acc={sum(scores) / len(scores):.4f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
