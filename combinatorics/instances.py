"""The shared benchmark instances (``../shared/data/combinatorics`` from the repository root, or
``$KILN_COMBINATORICS_DATA``): OR-Library set cover and the knapsack collections, with their
known optima and the per-instance HiGHS / OR-Tools reference results.

``setcover_instances()`` and ``knapsack_instances()`` yield rows (dicts) with the instance id, a
loader and the reference numbers; nothing is read from disk until ``row["load"]()`` is called.
"""
import csv
import os
from pathlib import Path

from .readers import read_knapsack, read_orlib_setcover, read_pisinger_csv


def data_dir():
    env = os.environ.get("KILN_COMBINATORICS_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "shared" / "data" / "combinatorics"


def available():
    return (data_dir() / "setcover" / "optima.csv").exists()


def _csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def setcover_instances(weighted_only=True):
    """Rows: name, n_rows, n_cols, optimum (None for unicost CYC/CLR), highs_time_s, ..., load."""
    d = data_dir() / "setcover"
    ref = {r["instance"]: r for r in _csv(d / "reference_results.csv")}
    rows = []
    for r in _csv(d / "optima.csv"):
        rows.append(dict(name=r["instance"], n_rows=int(r["n_rows"]), n_cols=int(r["n_cols"]),
                         optimum=float(r["optimum"]), reference=ref.get(r["instance"], {})))
    if not weighted_only:
        for r in _csv(d / "best_known_unicost.csv"):
            rows.append(dict(name=r["instance"], n_rows=int(r["n_rows"]), n_cols=int(r["n_cols"]),
                             optimum=None, best_known=float(r["best_known_a"]),
                             reference=ref.get(r["instance"], {})))
    for row in rows:
        row["path"] = d / f"{row['name']}.txt"
        row["load"] = (lambda p=row["path"]: read_orlib_setcover(p))
    return rows


_PISINGER_CACHE = {}


def _load_knapsack(d, inst_id):
    path, _, member = inst_id.partition("#")
    if not member:
        return read_knapsack(d / path)
    if path not in _PISINGER_CACHE:
        _PISINGER_CACHE[path] = {i.name: i for i in read_pisinger_csv(d / path)}
    return _PISINGER_CACHE[path][member]


def _ref_key(inst_id):
    path, _, member = inst_id.partition("#")
    if member:
        return (path.split("/", 1)[1], member)
    parts = path.split("/")
    return (parts[-2], parts[-1])


def knapsack_instances():
    """Rows: id, group, n, capacity, optimum, reference (the reference_results row), load."""
    d = data_dir() / "knapsack"
    ref = {(r["group"], r["instance"]): r for r in _csv(d / "reference_results.csv")}
    rows = []
    for r in _csv(d / "optima.csv"):
        key = _ref_key(r["instance"])
        rows.append(dict(id=r["instance"], group=key[0], name=key[1], n=int(r["n"]),
                         capacity=float(r["capacity"]), optimum=float(r["optimum"]),
                         reference=ref.get(key, {}),
                         load=(lambda i=r["instance"]: _load_knapsack(d, i))))
    return rows
