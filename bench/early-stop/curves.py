"""The Python half of bench/early-stop: real learning curves and Optuna's pruners, behind one
long-lived process that bench/early-stop/index.ts talks to in JSON lines.

Learning curves: scikit-learn's MLPClassifier trained with partial_fit, one epoch (one pass over
the training split, in minibatches of batch_size) per step, on scikit-learn's bundled digits data
(nothing is downloaded): a stratified 70/30 split, inputs standardized on the training part, and
the validation log loss after each epoch is the step's value. Every model has random_state=0, so
a configuration has one curve. Curves are cached on disk, one JSON line per epoch, keyed by the
configuration (CACHE_VERSION names this file's training recipe): the cache is real trainings,
only not repeated. A configuration still in training keeps its live model, so epoch s+1 costs one
epoch, not s+1.

Requests, one JSON object per line on stdin; one answer per line on stdout, in order:
  {"op": "mlp", "params": {...}, "step": s}  ->  {"value": loss after epoch s (1-based)}
  {"op": "mlp-drop", "params": {...}}        ->  {} (the live model of a trial that ended)
  {"op": "study", "id": I, "pruner": "none"|"median"|"sha", "sampler": "tpe"|"given", "seed": s,
   "space": [ParamSpec, ...], "minSteps": m, "eta": e, "startup": n}  ->  {}
  {"op": "ask", "id": I, "params": {...} (sampler "given" only)}  ->  {"trial": k, "params": {...}}
  {"op": "report", "id": I, "trial": k, "step": s, "value": v}  ->  {"prune": bool}
  {"op": "tell", "id": I, "trial": k, "value": v, "pruned": bool}  ->  {}
  {"op": "close", "id": I}  ->  {}
Errors in a request: {"error": "..."}.
"""

import hashlib
import json
import math
import os
import sys
import warnings

import numpy as np

CACHE_VERSION = "mlp-digits-v1"
# A diverged network's loss (non-finite weights or loss, or a loss past this) is reported as this
# at its epoch and every later one: worse than chance (ln 10 = 2.3).
DIVERGED = 10.0

_data = None
_live = {}
_cache = {}
_cache_file = None


def data():
    global _data
    if _data is None:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        X, y = load_digits(return_X_y=True)
        Xtr, Xva, ytr, yva = train_test_split(X, y, test_size=0.3, random_state=0, stratify=y)
        scaler = StandardScaler().fit(Xtr)
        _data = (scaler.transform(Xtr), ytr, scaler.transform(Xva), yva, np.unique(y))
    return _data


def cache_key(params):
    text = json.dumps([CACHE_VERSION, sorted(params.items())], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def load_cache():
    global _cache_file
    path = os.environ.get("HB_EARLY_STOP_CACHE")
    if not path:
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a line cut short by an interrupted run
                curve = _cache.setdefault(row["key"], [])
                if row["epoch"] == len(curve) + 1:
                    curve.append(row["value"])
    _cache_file = open(path, "a")


def mlp_value(params, step):
    key = cache_key(params)
    curve = _cache.setdefault(key, [])
    if step <= len(curve):
        return curve[step - 1]
    from sklearn.metrics import log_loss
    from sklearn.neural_network import MLPClassifier

    Xtr, ytr, Xva, yva, classes = data()
    live = _live.get(key)
    if live is None or live[1] != len(curve):
        # Retrain from scratch: random_state=0 makes the first epochs the cached ones again.
        model = MLPClassifier(
            hidden_layer_sizes=(int(params["hidden"]),),
            learning_rate_init=float(params["learning_rate"]),
            alpha=float(params["alpha"]),
            batch_size=int(params["batch_size"]),
            solver="sgd",
            momentum=0.9,
            random_state=0,
        )
        live = [model, 0]
        curve.clear()
    model = live[0]
    while live[1] < step:
        if model is None:  # diverged: it stays there
            loss = DIVERGED
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    try:
                        model.partial_fit(Xtr, ytr, classes=classes)
                        proba = model.predict_proba(Xva)
                        loss = float(log_loss(yva, proba, labels=classes))
                    except ValueError:  # non-finite weights or probabilities
                        loss = DIVERGED
        if not math.isfinite(loss) or loss >= DIVERGED:
            loss = DIVERGED
            live[0] = model = None
        live[1] += 1
        curve.append(loss)
        if _cache_file:
            _cache_file.write(json.dumps({"key": key, "epoch": live[1], "value": loss}) + "\n")
            _cache_file.flush()
    _live[key] = live
    return curve[step - 1]


_studies = {}


def optuna_distributions(space):
    import optuna

    dists = {}
    for spec in space:
        name = spec["name"]
        if spec["kind"] == "choice":
            dists[name] = optuna.distributions.CategoricalDistribution(spec["values"])
        elif spec.get("type") == "int":
            dists[name] = optuna.distributions.IntDistribution(
                int(spec["min"]), int(spec["max"]), log=spec.get("scale") == "log"
            )
        else:
            dists[name] = optuna.distributions.FloatDistribution(
                spec["min"], spec["max"], log=spec.get("scale") == "log"
            )
    return dists


def new_study(req):
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    if req["pruner"] == "none":
        pruner = optuna.pruners.NopPruner()
    elif req["pruner"] == "median":
        # Optuna's defaults (5 completed trials before it prunes), from the same first step as ours:
        # it prunes at steps >= n_warmup_steps, and the steps here are 1-based, as ours.
        pruner = optuna.pruners.MedianPruner(
            n_startup_trials=req.get("startup", 5), n_warmup_steps=req["minSteps"]
        )
    else:
        # Rungs at minSteps * eta^k: the same rungs as ours.
        pruner = optuna.pruners.SuccessiveHalvingPruner(
            min_resource=req["minSteps"], reduction_factor=req["eta"], min_early_stopping_rate=0
        )
    if req["sampler"] == "tpe":
        sampler = optuna.samplers.TPESampler(seed=req["seed"], constant_liar=True)
    else:
        sampler = optuna.samplers.RandomSampler(seed=req["seed"])  # every point is enqueued
    study = optuna.create_study(direction="minimize", sampler=sampler, pruner=pruner)
    _studies[req["id"]] = {"study": study, "dists": optuna_distributions(req["space"]), "trials": {}}
    return {}


def handle(req):
    op = req.get("op")
    if op == "mlp":
        return {"value": mlp_value(req["params"], int(req["step"]))}
    if op == "mlp-drop":
        _live.pop(cache_key(req["params"]), None)
        return {}
    if op == "study":
        return new_study(req)
    s = _studies[req["id"]]
    study = s["study"]
    if op == "ask":
        if "params" in req:
            study.enqueue_trial(req["params"])
        trial = study.ask(s["dists"])
        s["trials"][trial.number] = trial
        return {"trial": trial.number, "params": trial.params}
    if op == "report":
        trial = s["trials"][req["trial"]]
        trial.report(req["value"], req["step"])
        return {"prune": bool(trial.should_prune())}
    if op == "tell":
        import optuna

        trial = s["trials"].pop(req["trial"])
        if req.get("pruned"):
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, req["value"])
        return {}
    if op == "close":
        del _studies[req["id"]]
        return {}
    raise ValueError(f"unknown op {op!r}")


def main():
    load_cache()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            out = handle(json.loads(line))
        except Exception as e:  # one bad request must not end the process
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
