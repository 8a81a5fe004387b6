"""Instance readers: OR-Library set cover, plain / CSV / JSON knapsack, Pisinger's CSV files.

- ``read_orlib_setcover(path)``: whitespace tokens ``m n``, the n column costs, then for each row
  i = 1..m a count k and k 1-based column indices (line breaks carry no meaning).  Returns a
  ``SetCoverInstance`` whose subsets are the columns (each an int array of 0-based rows).
- ``read_knapsack(path)``: by suffix.  ``.json``: ``{"values": [...], "weights": [...],
  "capacity": C}``.  ``.csv`` in Pisinger's format (name, ``n N``, ``c C``, ``z Z``, ``time T``,
  then ``i,p,w,x`` lines, ``-----`` between instances): the instance named after ``#`` in the path
  (``file.csv#knapPI_1_50_1000_3``), else the first one.  Anything else, the plain format: tokens
  ``n capacity`` then n pairs ``value weight`` (commas count as blanks); trailing tokens, such as
  the 0/1 solution vector at the end of the large_scale files, are ignored.
- ``read_pisinger_csv(path)``: every instance of one Pisinger file, with its stated optimum.

Numbers that are integral come back as int64 arrays, others as float64.
"""
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass
class KnapsackInstance:
    name: str
    values: np.ndarray
    weights: np.ndarray
    capacity: float
    optimum: float = None


@dataclass
class SetCoverInstance:
    name: str
    subsets: list
    costs: np.ndarray
    n_rows: int


def _numbers(tokens):
    a = np.array([float(t) for t in tokens])
    return a.astype(np.int64) if np.all(a == np.round(a)) else a


def _scalar(x):
    return int(x) if float(x) == int(float(x)) else float(x)


def read_orlib_setcover(path):
    path = Path(path)
    tok = path.read_text().split()
    if len(tok) < 2:
        raise ValueError(f"read_orlib_setcover: {path} is empty or truncated")
    m, n = int(tok[0]), int(tok[1])
    costs = _numbers(tok[2:2 + n])
    if costs.shape[0] != n:
        raise ValueError(f"read_orlib_setcover: {path}: expected {n} costs, found {costs.shape[0]}")
    data = np.array(tok[2 + n:], dtype=np.int64)
    rows, cols = [], []
    pos = 0
    for i in range(m):
        if pos >= data.shape[0]:
            raise ValueError(f"read_orlib_setcover: {path}: row {i + 1} of {m} is missing")
        k = int(data[pos])
        cs = data[pos + 1:pos + 1 + k]
        if cs.shape[0] != k:
            raise ValueError(f"read_orlib_setcover: {path}: row {i + 1} lists fewer than {k} columns")
        rows.append(np.full(k, i, np.int64))
        cols.append(cs - 1)
        pos += 1 + k
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    if c.size and (c.min() < 0 or c.max() >= n):
        raise ValueError(f"read_orlib_setcover: {path}: a column index is outside 1..{n}")
    order = np.lexsort((r, c))
    r, c = r[order], c[order]
    starts = np.searchsorted(c, np.arange(n + 1))
    subsets = [r[starts[j]:starts[j + 1]] for j in range(n)]
    return SetCoverInstance(path.stem, subsets, costs, m)


def read_pisinger_csv(path):
    """All instances of one of Pisinger's CSV files, optimum from the ``z`` field."""
    path = Path(path)
    out = []
    for block in re.split(r"^-----\s*$", path.read_text(), flags=re.M):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        if len(lines) < 5:
            continue
        name = lines[0]
        if name.startswith("napPI_"):  # a known typo in the source file (see the data README)
            name = "k" + name
        head = dict(ln.split(None, 1) for ln in lines[1:5])
        n = int(head["n"])
        rows = np.array([ln.split(",") for ln in lines[5:5 + n]], dtype=np.int64)
        out.append(KnapsackInstance(name, rows[:, 1].copy(), rows[:, 2].copy(), _scalar(head["c"]),
                                    _scalar(head["z"])))
    return out


def read_knapsack(path):
    path = str(path)
    base, _, member = path.partition("#")
    p = Path(base)
    if p.suffix.lower() == ".json":
        d = json.loads(p.read_text())
        return KnapsackInstance(p.stem, _numbers(d["values"]), _numbers(d["weights"]),
                                _scalar(d["capacity"]), d.get("optimum"))
    text = p.read_text()
    if p.suffix.lower() == ".csv" and re.search(r"^n\s+\d+", text, flags=re.M):
        insts = read_pisinger_csv(p)
        if member:
            for inst in insts:
                if inst.name == member:
                    return inst
            raise ValueError(f"read_knapsack: no instance named {member!r} in {p}")
        return insts[0]
    tok = text.replace(",", " ").split()
    if len(tok) < 2:
        raise ValueError(f"read_knapsack: {p} is empty or truncated")
    n = int(float(tok[0]))
    cap = _scalar(tok[1])
    pairs = tok[2:2 + 2 * n]
    if len(pairs) != 2 * n:
        raise ValueError(f"read_knapsack: {p}: expected {n} value/weight pairs, found {len(pairs) // 2}")
    nums = _numbers(pairs).reshape(n, 2) if n else np.zeros((0, 2), np.int64)
    return KnapsackInstance(p.name, nums[:, 0].copy(), nums[:, 1].copy(), cap)
