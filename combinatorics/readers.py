"""Instance readers: OR-Library set cover, plain / CSV / JSON knapsack, Pisinger's CSV files.

- ``read_orlib_setcover(path)``: whitespace tokens ``m n``, the n column costs, then for each row
  i = 1..m a count k and k 1-based column indices (line breaks carry no meaning).  Returns a
  ``SetCoverInstance`` whose subsets are the columns (each an int array of 0-based rows) and whose
  ``universe`` is every row 0..m-1 (pass it to ``set_cover``).  A row that lists no column can be
  covered by nothing: an error naming the row and line.
- ``read_knapsack(path)``: by suffix.  ``.json``: ``{"values": [...], "weights": [...],
  "capacity": C}`` (optionally ``"optimum"``).  ``.csv`` starting with a name, in Pisinger's
  format (name, ``n N``, ``c C``, ``z Z``, ``time T``, then N ``i,p,w,x`` lines, ``-----`` between
  instances): the instance named after ``#`` in the path (``file.csv#knapPI_1_50_1000_3``), else
  the first one.  Anything else, the plain format: tokens ``n capacity`` then n pairs ``value
  weight`` (commas count as blanks), optionally followed by an n-entry 0/1 solution vector (the
  large_scale files end with one); any other trailing token is an error.
- ``read_pisinger_csv(path)``: every instance of one Pisinger file, with its stated optimum.

Numbers follow ``_file_numbers``: integers (int64) or finite reals (float64); counts must match
what the file lists (a header's ``n 5`` over 3 items is an error), counts and indices must be
integers, and every instance has at least one item (row, column).  Every problem is a ValueError
naming the reader, the file and the line (for JSON, the key and index), raised before anything is
returned.
"""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._exact_arith import INT64_MAX
from ._file_numbers import Source, numbers_array, parse_number


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
    universe: np.ndarray = None  # every row, 0..n_rows-1


def _read_text(reader, path):
    try:
        return path.read_text()
    except UnicodeDecodeError as exc:
        raise ValueError(f"{reader}: {path}: not a text file ({exc.reason} at byte {exc.start})") from None


def read_orlib_setcover(path):
    path = Path(path)
    src = Source("read_orlib_setcover", path, _read_text("read_orlib_setcover", path))
    if not src.tokens:
        src.fail("the file is empty")
    m = src.integer(0, "the row count m", low=1)
    n = src.integer(1, "the column count n", low=1)
    costs = src.array(2, n, "cost")
    base = 2 + n
    body = src.tokens[base:]
    try:
        data = np.array(body, dtype=np.int64)
        bad_at = None
    except (ValueError, OverflowError):  # keep the integers before the first bad token
        ints = []
        for t in body:
            x = parse_number(t)
            if not isinstance(x, int) or abs(x) > INT64_MAX:
                break
            ints.append(x)
        data, bad_at = np.array(ints, dtype=np.int64), base + len(ints)
    rows, cols, row_at = [], [], []
    pos = base
    for i in range(m):
        if pos >= len(src.tokens):
            src.fail(f"the file ends before row {i + 1} of {m}", src.where(pos))
        if pos == bad_at:
            src.bad_integer(pos, f"the column count of row {i + 1}")
        k = int(data[pos - base])
        if k < 0:
            src.fail(f"row {i + 1} of {m}: column count {k} is negative", src.where(pos))
        if k == 0:
            src.fail(f"row {i + 1} of {m} lists no column, so no cover exists", src.where(pos))
        if bad_at is not None and pos + 1 + k > bad_at:
            src.bad_integer(bad_at, f"a column index of row {i + 1}")
        cs = data[pos + 1 - base:pos + 1 + k - base]
        if cs.shape[0] < k:
            src.fail(f"row {i + 1} of {m} lists {cs.shape[0]} of its {k} columns before the file ends",
                     src.where(pos + 1 + cs.shape[0]))
        rows.append(np.full(k, i, np.int64))
        cols.append(cs - 1)
        row_at.append(pos)
        pos += 1 + k
    if pos < len(src.tokens):
        src.fail(f"unexpected {src.tokens[pos]!r} after the last of the {m} rows "
                 f"({len(src.tokens) - pos} tokens left over)",
                 src.where(pos))
    r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
    out = np.flatnonzero((c < 0) | (c >= n))
    if out.size:  # the token: row r's count sits at row_at[r], its columns follow
        e = int(out[0])
        i = int(r[e])
        first = int(np.searchsorted(r, i))
        src.fail(f"row {i + 1}: column index {c[e] + 1} is outside 1..{n}", src.where(row_at[i] + 1 + e - first))
    order = np.lexsort((r, c))
    r, c = r[order], c[order]
    starts = np.searchsorted(c, np.arange(n + 1))
    subsets = [r[starts[j]:starts[j + 1]] for j in range(n)]
    return SetCoverInstance(path.stem, subsets, costs, m, np.arange(m, dtype=np.int64))


def _pisinger_fail(path, line, msg):
    raise ValueError(f"read_pisinger_csv: {path}: line {line}: {msg}")


def _pisinger_int(path, line, text, what):
    x = parse_number(text)
    if not isinstance(x, int):
        _pisinger_fail(path, line, f"{what} {text!r} is not an integer (Pisinger files hold integers)")
    return x


def _pisinger_items(path, lines, at, name, n, n_line):
    """Parse n ``i,p,w,x`` lines from ``lines[at]`` on; return (profits, weights, next index)."""
    p, w, where = [], [], []
    for j in range(n):
        while at < len(lines) and not lines[at].strip():
            at += 1
        line = at + 1
        if at >= len(lines) or lines[at].strip() == "-----":
            _pisinger_fail(path, min(line, len(lines)),
                           f"instance {name} lists {j} items, but its header says n {n} (line {n_line})")
        fields = [f.strip() for f in lines[at].split(",")]
        if len(fields) != 4:
            _pisinger_fail(path, line, f"expected 'index,profit,weight,x', found {lines[at].strip()!r}")
        idx = _pisinger_int(path, line, fields[0], "item index")
        if idx != j + 1:
            _pisinger_fail(path, line, f"item index {idx}, expected {j + 1}")
        p.append(_pisinger_int(path, line, fields[1], "profit"))
        w.append(_pisinger_int(path, line, fields[2], "weight"))
        if fields[3] not in ("0", "1"):
            _pisinger_fail(path, line, f"solution entry x {fields[3]!r} is not 0 or 1")
        where.append(line)
        at += 1
    fail = lambda i, msg: _pisinger_fail(path, where[i], msg)  # noqa: E731
    return numbers_array(p, fail, "profit"), numbers_array(w, fail, "weight"), at


def read_pisinger_csv(path):
    """All instances of one of Pisinger's CSV files, optimum from the ``z`` field."""
    path = Path(path)
    lines = _read_text("read_pisinger_csv", path).splitlines()
    out = []
    at = 0
    while True:
        while at < len(lines) and lines[at].strip() in ("", "-----"):
            at += 1
        if at >= len(lines):
            break
        name = lines[at].strip()
        if name.startswith("napPI_"):  # a known typo in the source file (see the data README)
            name = "k" + name
        at += 1
        head = {}
        for key in ("n", "c", "z", "time"):
            while at < len(lines) and not lines[at].strip():
                at += 1
            if at >= len(lines):
                _pisinger_fail(path, len(lines), f"instance {name}: the file ends inside its header")
            parts = lines[at].split(None, 1)
            if len(parts) != 2 or parts[0] != key:
                _pisinger_fail(path, at + 1, f"instance {name}: expected '{key} <number>', found {lines[at].strip()!r}")
            x = parse_number(parts[1].strip())
            if x is None or (key == "n" and (not isinstance(x, int) or x < 1)):
                kind = "an integer >= 1" if key == "n" else "a finite number"
                _pisinger_fail(path, at + 1, f"instance {name}: {key} {parts[1].strip()!r} is not {kind}")
            head[key] = (x, at + 1)
            at += 1
        n, n_line = head["n"]
        values, weights, at = _pisinger_items(path, lines, at, name, n, n_line)
        while at < len(lines) and not lines[at].strip():
            at += 1
        if at < len(lines) and lines[at].strip() != "-----":
            _pisinger_fail(path, at + 1, f"instance {name} lists more items than its header's n {n} (line {n_line})")
        out.append(KnapsackInstance(name, values, weights, head["c"][0], head["z"][0]))
    if not out:
        raise ValueError(f"read_pisinger_csv: {path}: holds no instance")
    return out


def _json_numbers(fail, d, key):
    xs = d[key]
    if not isinstance(xs, list):
        fail(f"{key} must be a list of numbers, found {json.dumps(xs)[:40]}")
    out = []
    for i, x in enumerate(xs):
        out.append(_json_number(fail, x, f"{key}[{i}]"))
    return numbers_array(out, lambda i, msg: fail(f"{key}[{i}]: {msg}"), key[:-1])


def _json_number(fail, x, what):
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        fail(f"{what} = {json.dumps(x)[:40]} is not a number")
    if isinstance(x, float):
        if not np.isfinite(x):
            fail(f"{what} = {x} is not a finite number" + (" (JSON numbers beyond float64, such as 1e400, read as "
                                                           "inf)" if np.isinf(x) else ""))
        if x.is_integer():
            x = int(x)
    return x


def _read_json(p):
    def fail(msg):
        raise ValueError(f"read_knapsack: {p}: {msg}")

    try:
        d = json.loads(_read_text("read_knapsack", p))
    except json.JSONDecodeError as exc:
        raise ValueError(f"read_knapsack: {p}: line {exc.lineno}: not valid JSON: {exc.msg} "
                         f"(column {exc.colno})") from None
    if not isinstance(d, dict):
        fail(f"expected a JSON object with values, weights and capacity, found {json.dumps(d)[:40]}")
    for key in ("values", "weights", "capacity"):
        if key not in d:
            fail(f"missing key {key!r}")
    values, weights = _json_numbers(fail, d, "values"), _json_numbers(fail, d, "weights")
    if values.shape != weights.shape:
        fail(f"values has {values.shape[0]} entries but weights has {weights.shape[0]}")
    if values.shape[0] == 0:
        fail("values and weights are empty: the instance has no items")
    cap = _json_number(fail, d["capacity"], "capacity")
    opt = d.get("optimum")
    return KnapsackInstance(p.stem, values, weights, cap, None if opt is None else _json_number(fail, opt, "optimum"))


def _read_plain(p, text):
    src = Source("read_knapsack", p, text, commas=True)
    if not src.tokens:
        src.fail("the file is empty")
    n = src.integer(0, "the item count n", low=1)
    cap = src.number(1, "the capacity")
    found = (len(src.tokens) - 2) // 2
    if found < n:
        src.fail(f"expected {n} value/weight pairs, found {found}", src.where(len(src.tokens)))
    nums = src.array(2, 2 * n, "value/weight")
    rest = src.tokens[2 + 2 * n:]
    if rest and (len(rest) != n or any(t not in ("0", "1") for t in rest)):
        src.fail(f"unexpected {rest[0]!r} after the {n} value/weight pairs ({len(rest)} tokens left over): "
                 f"only a 0/1 solution vector of n entries may follow", src.where(2 + 2 * n))
    nums = nums.reshape(n, 2)
    return KnapsackInstance(p.name, nums[:, 0].copy(), nums[:, 1].copy(), cap)


def read_knapsack(path):
    path = str(path)
    base, _, member = path.partition("#")
    p = Path(base)
    if p.suffix.lower() == ".json":
        return _read_json(p)
    text = _read_text("read_knapsack", p)
    first = text.split(None, 1)[:1]
    if p.suffix.lower() == ".csv" and first and parse_number(first[0].split(",")[0]) is None:  # a name first
        insts = read_pisinger_csv(p)
        if member:
            for inst in insts:
                if inst.name == member:
                    return inst
            raise ValueError(f"read_knapsack: no instance named {member!r} in {p}")
        return insts[0]
    return _read_plain(p, text)
