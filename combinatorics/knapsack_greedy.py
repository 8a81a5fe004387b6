"""Greedy knapsack heuristics (the notes' three attempts plus the 1/2-approximation) and the
Dantzig (LP relaxation) upper bound they are judged against.

Each greedy scans items in one fixed order and takes every item that still fits (it does not stop
at the first item that does not fit).  Orders, ties always broken by the lower index:

- ``"value"``: most valuable first;
- ``"weight"``: lightest first;
- ``"density"``: highest value per unit weight first (zero-weight items first of all);
- ``"half"``: the classic 1/2-approximation: the better of the density greedy and the single most
  valuable item that fits on its own, so value >= OPT / 2.

The functions work on already-checked arrays (``_knapsack_input``) and return
``(mask, value, weight)``.
"""
import numpy as np


def density_order(values, weights):
    """Item indices by value/weight, best first, ties by index; zero weights count as infinite."""
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(weights > 0, values / np.where(weights > 0, weights, 1), np.inf)
    return np.argsort(-d, kind="stable")


def _fill(order, values, weights, capacity):
    mask = np.zeros(values.shape[0], bool)
    room = capacity
    for i in order:
        if weights[i] <= room:
            mask[i] = True
            room -= weights[i]
    return mask


def greedy(values, weights, capacity, order="density"):
    """Return ``(mask, value, weight)`` of the greedy solution in the given order."""
    if order == "value":
        idx = np.argsort(-values, kind="stable")
    elif order == "weight":
        idx = np.argsort(weights, kind="stable")
    else:
        idx = density_order(values, weights)
    mask = _fill(idx, values, weights, capacity)
    if order == "half":
        fits = np.flatnonzero(weights <= capacity)
        if fits.size:
            j = fits[np.argmax(values[fits])]
            if values[j] > values[mask].sum():
                mask = np.zeros_like(mask)
                mask[j] = True
    return mask, values[mask].sum(), weights[mask].sum()


def dantzig_bound(values, weights, capacity, order=None):
    """LP-relaxation upper bound: items by density, the break item taken fractionally."""
    if order is None:
        order = density_order(values, weights)
    v = values[order].astype(np.float64)
    w = weights[order].astype(np.float64)
    cw = np.cumsum(w)
    s = int(np.searchsorted(cw, capacity, side="right"))  # first item that does not fit whole
    prefix = v[:s].sum()
    if s >= v.shape[0]:
        return float(prefix)
    room = capacity - (cw[s - 1] if s > 0 else 0.0)
    return float(prefix + room * v[s] / w[s])
