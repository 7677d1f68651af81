"""The Python half of bench/tuning: scikit-learn models scored by cross-validation, and Optuna's
samplers, behind one long-lived process that bench/tuning/index.ts talks to in JSON lines.

This module owns what a problem *is* on the Python side: a model (a scikit-learn estimator with
bayesmark's fixed settings), a data set (scikit-learn's bundled copy, loaded offline), a metric,
and the loss = mean over 5-fold CV on an 80% split (the 20% is held out and never used, as in
bayesmark). The search spaces come from the TypeScript side, in Hyperbayes's own Space shape,
so every method sees the same space.

Requests, one JSON object per line on stdin; one answer per line on stdout, in order:
  {"op": "eval", "problem": P, "points": [params, ...]}  ->  {"values": [loss | null, ...]}
  {"op": "optuna", "sampler": "gp" | "tpe", "problem": P, "seed": s, "rounds": r, "batch": b}
      ->  {"values": [[loss | null] * b] * r, "params": [[params] * b] * r, "askSeconds": [...]}
  P = {"model": "SVM", "dataset": "iris", "metric": "nll", "space": [ParamSpec, ...]}
A failed fit (an exception or a non-finite loss) is null. Errors in a request: {"error": "..."}.

Every estimator that takes a random_state gets 0, so a point has one value: runs are
reproducible and methods are compared on the same function (bayesmark left them unseeded).
"""

import json
import math
import os
import sys
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import Lasso, LogisticRegression
from sklearn.metrics import get_scorer
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

CV_SPLITS = 5

LOADERS = {
    "iris": (datasets.load_iris, "clf"),
    "digits": (datasets.load_digits, "clf"),
    "breast": (datasets.load_breast_cancer, "clf"),
    "diabetes": (datasets.load_diabetes, "reg"),
}

SCORERS = {
    "nll": "neg_log_loss",
    "acc": "accuracy",
    "mae": "neg_mean_absolute_error",
    "mse": "neg_mean_squared_error",
}

# (estimator, fixed settings) per model and task, as in bayesmark's sklearn_funcs.py, updated for
# scikit-learn 1.9: liblinear no longer takes more than two classes, so the logistic regression
# (bayesmark's "linear": L2, liblinear, one-vs-rest) is wrapped in OneVsRestClassifier, which is
# the scheme bayesmark asked for with multi_class="ovr"; L2 is the default penalty now.
MODELS = {
    "clf": {
        "kNN": (KNeighborsClassifier, {}),
        "SVM": (SVC, {"kernel": "rbf", "probability": True}),
        "DT": (DecisionTreeClassifier, {"max_leaf_nodes": None}),
        "RF": (RandomForestClassifier, {"n_estimators": 10, "max_leaf_nodes": None}),
        "MLP-adam": (MLPClassifier, {"solver": "adam", "early_stopping": True}),
        "ada": (AdaBoostClassifier, {}),
        "logistic": (LogisticRegression, {"fit_intercept": True, "solver": "liblinear"}),
    },
    "reg": {
        "kNN": (KNeighborsRegressor, {}),
        "SVM": (SVR, {"kernel": "rbf"}),
        "DT": (DecisionTreeRegressor, {"max_leaf_nodes": None}),
        "RF": (RandomForestRegressor, {"n_estimators": 10, "max_leaf_nodes": None}),
        "MLP-adam": (MLPRegressor, {"solver": "adam", "early_stopping": True}),
        "ada": (AdaBoostRegressor, {}),
        "lasso": (Lasso, {}),
    },
}

_data_cache = {}


def load(dataset):
    if dataset not in _data_cache:
        loader, task = LOADERS[dataset]
        X, y = loader(return_X_y=True)
        X_train, _X_test, y_train, _y_test = train_test_split(
            X, y, test_size=0.2, random_state=0, shuffle=True
        )
        _data_cache[dataset] = (X_train, y_train, task)
    return _data_cache[dataset]


def to_kwargs(space, params):
    """Hyperbayes values to estimator arguments: ints as int, "true"/"false" as booleans."""
    out = {}
    for spec in space:
        v = params[spec["name"]]
        if spec["kind"] == "range" and spec.get("type") == "int":
            v = int(round(v))
        elif spec["kind"] == "range":
            v = float(v)
        elif v in ("true", "false"):
            v = v == "true"
        out[spec["name"]] = v
    return out


def make_estimator(task, model, params):
    cls, fixed = MODELS[task][model]
    kwargs = dict(fixed)
    kwargs.update(params)
    if "random_state" in cls().get_params():
        kwargs["random_state"] = 0
    estimator = cls(**kwargs)
    return OneVsRestClassifier(estimator) if cls is LogisticRegression else estimator


def evaluate(problem, params):
    X, y, task = load(problem["dataset"])
    try:
        estimator = make_estimator(task, problem["model"], to_kwargs(problem["space"], params))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            scores = cross_val_score(
                estimator,
                X,
                y,
                scoring=get_scorer(SCORERS[problem["metric"]]),
                cv=CV_SPLITS,
                error_score=np.nan,
            )
    except Exception:  # a setting the estimator rejects is a failed trial, not a crash
        return None
    loss = -float(np.mean(scores))
    return loss if math.isfinite(loss) else None


def optuna_distributions(space):
    import optuna

    dists = {}
    for spec in space:
        name = spec["name"]
        if spec["kind"] == "choice":
            dists[name] = optuna.distributions.CategoricalDistribution(spec["values"])
        elif spec.get("scale", "linear") not in ("linear", "log"):
            raise ValueError(f"{name}: scale {spec['scale']} has no Optuna equivalent")
        elif spec.get("type") == "int":
            dists[name] = optuna.distributions.IntDistribution(
                int(spec["min"]), int(spec["max"]), log=spec.get("scale") == "log"
            )
        else:
            dists[name] = optuna.distributions.FloatDistribution(
                spec["min"], spec["max"], log=spec.get("scale") == "log"
            )
    return dists


def run_optuna(req):
    """One Optuna run: ask a full batch (the earlier asks of the batch are RUNNING when a later
    one is sampled), evaluate it, tell it, for `rounds` rounds."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    seed = req["seed"]
    if req["sampler"] == "gp":
        sampler = optuna.samplers.GPSampler(seed=seed)
    elif req["sampler"] == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, constant_liar=True)
    else:
        raise ValueError(f"unknown sampler {req['sampler']}")
    study = optuna.create_study(direction="minimize", sampler=sampler)
    dists = optuna_distributions(req["problem"]["space"])
    values, params, ask_seconds = [], [], []
    for _ in range(req["rounds"]):
        t0 = time.process_time()
        trials = [study.ask(dists) for _ in range(req["batch"])]
        ask_seconds.append(time.process_time() - t0)
        batch = []
        for trial in trials:
            v = evaluate(req["problem"], trial.params)
            batch.append(v)
            if v is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, v)
        values.append(batch)
        params.append([trial.params for trial in trials])
    return {"values": values, "params": params, "askSeconds": ask_seconds}


def handle(req):
    if req["op"] == "eval":
        return {"values": [evaluate(req["problem"], p) for p in req["points"]]}
    if req["op"] == "optuna":
        return run_optuna(req)
    if req["op"] == "ping":
        return {"pid": os.getpid()}
    raise ValueError(f"unknown op {req['op']}")


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            out = handle(json.loads(line))
        except Exception as e:  # one bad request must not end the process
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
