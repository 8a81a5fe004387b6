"""Numbers from instance files, each traced to the line it came from (used by ``readers``).

A ``Source`` holds one file's text as whitespace tokens with their 1-based line numbers; every
problem is a ValueError ``"<reader>: <path>: line <k>: <what is wrong>"``, raised before anything is
returned.  The number rules, the same in every reader:

- an integer token (``12``, ``12.0``, ``1e3``) is a Python int and must fit in int64: ``1e20`` is
  refused rather than wrapped or rounded;
- a real token (``2.7``) must be finite (``nan``, ``inf`` are refused); a column that mixes reals
  and integers becomes float64, so its integers must be at most 2**53 in size (float64 holds them
  exactly);
- counts and indices must be integers (``2.7`` is never truncated to 2).
"""
import math

import numpy as np

from ._exact_arith import FLOAT_EXACT, INT64_MAX


def parse_number(tok):
    """A Python int for integral tokens, a float for other finite ones, None for anything else."""
    try:
        return int(tok)
    except ValueError:
        pass
    try:
        x = float(tok)
    except ValueError:
        return None
    if not math.isfinite(x):
        return None
    return int(x) if x.is_integer() else x


class Source:
    """One file's tokens and their line numbers; ``where(k)`` is the line of token k."""

    def __init__(self, reader, path, text, commas=False):
        self.reader = reader
        self.path = path
        self._text = text.replace(",", " ") if commas else text
        self.tokens = self._text.split()
        self._lines = None

    @property
    def lines(self):
        """Line number of every token (worked out only when an error needs one)."""
        if self._lines is None:
            counts = [len(ln.split()) for ln in self._text.splitlines()]
            self._lines = np.repeat(np.arange(1, len(counts) + 1), counts)
        return self._lines

    def fail(self, msg, line=None):
        where = f"line {line}: " if line is not None else ""
        raise ValueError(f"{self.reader}: {self.path}: {where}{msg}")

    def where(self, k):
        """The line of token k (the last line when k runs past the end)."""
        return int(self.lines[min(k, len(self.lines) - 1)]) if len(self.lines) else 1

    def number(self, k, what):
        """Token k as a finite number (Python int or float)."""
        if k >= len(self.tokens):
            self.fail(f"the file ends before {what}", self.where(k))
        x = parse_number(self.tokens[k])
        if x is None:
            self.fail(f"{what} {self.tokens[k]!r} is not a finite number", self.where(k))
        return x

    def integer(self, k, what, low=0):
        """Token k as an integer >= ``low`` (a count or an index)."""
        x = self.number(k, what)
        if not isinstance(x, int) or x < low:
            self.fail(f"{what} {self.tokens[k]!r} is not an integer >= {low}", self.where(k))
        return x

    def bad_integer(self, k, what):
        """Report token k, which is not an int64 integer."""
        x = self.number(k, what)
        if isinstance(x, int):
            self.fail(f"{what} {x} does not fit in int64", self.where(k))
        self.fail(f"{what} {self.tokens[k]!r} is not an integer", self.where(k))

    def array(self, start, count, what):
        """Tokens start..start+count-1 as an int64 or float64 array (see the module docstring)."""
        toks = self.tokens[start:start + count]
        if len(toks) < count:
            self.fail(f"expected {count} {what}s, found {len(toks)}", self.where(start + len(toks)))
        try:
            return np.array(toks, dtype=np.int64)
        except (ValueError, OverflowError):
            pass
        return numbers_array([self.number(start + i, what) for i in range(count)],
                             lambda i, msg: self.fail(msg, self.where(start + i)), what)


def numbers_array(xs, fail, what):
    """Python numbers as an int64 array when all are integers, else float64; ``fail(i, msg)``
    reports the i-th (it must raise)."""
    for i, x in enumerate(xs):
        if isinstance(x, int) and abs(x) > INT64_MAX:
            fail(i, f"{what} {x} does not fit in int64 (integers must lie within +-(2**63-1))")
    if all(isinstance(x, int) for x in xs):
        return np.array(xs, dtype=np.int64)
    for i, x in enumerate(xs):
        if isinstance(x, int) and abs(x) > FLOAT_EXACT:
            fail(i, f"{what} {x} cannot be held exactly next to real numbers (float64): integers in a column "
                    f"with reals must be at most 2**53 = 9007199254740992")
    return np.array(xs, dtype=np.float64)
