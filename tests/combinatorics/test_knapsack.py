"""Knapsack: the notes' treasure example, brute force on random instances, Pisinger classes,
errors, time limits."""
import itertools
import time

import numpy as np
import pytest

from combinatorics import knapsack
from combinatorics.generators import pisinger_knapsack

TREASURE = dict(values=[13, 10, 10, 7, 1, 1, 1], weights=[8, 5, 5, 3, 2, 2, 2], capacity=10)


@pytest.mark.parametrize("order,value", [("value", 14), ("weight", 10), ("density", 18), ("half", 18)])
def test_treasure_greedy(order, value):
    res = knapsack(**TREASURE, method="greedy", greedy_order=order)
    assert res.value == value
    assert res.weight <= 10
    assert res.bound == 21  # Dantzig: 7 + 10 + 0 of the second 10 ... = 7+10+10*(2/5) floored
    assert not res.optimal


@pytest.mark.parametrize("method", ["dp", "branch_and_bound", "core", "auto"])
def test_treasure_optimum(method):
    res = knapsack(**TREASURE, method=method)
    assert (res.value, res.weight, res.items, res.optimal, res.bound) == (20, 10, [1, 2], True, 20)


def test_half_approximation_takes_best_single_item():
    assert knapsack([1, 100], [1, 100], 100, method="greedy", greedy_order="density").value == 1
    res = knapsack([1, 100], [1, 100], 100, method="greedy", greedy_order="half")
    assert (res.value, res.items) == (100, [1])


def brute(v, w, c):
    best = 0
    for r in range(len(v) + 1):
        for comb in itertools.combinations(range(len(v)), r):
            if sum(w[i] for i in comb) <= c:
                best = max(best, sum(v[i] for i in comb))
    return best


def _check(res, v, w, c, opt, exact=True):
    assert sorted(set(res.items)) == res.items
    assert sum(w[i] for i in res.items) <= c + 1e-9
    assert res.value == pytest.approx(sum(v[i] for i in res.items))
    assert res.bound >= opt - 1e-9
    if exact:
        assert res.optimal and res.value == pytest.approx(opt)
    else:
        assert res.value <= opt + 1e-9


def test_brute_force_integer():
    rng = np.random.default_rng(7)
    for _ in range(300):
        n = int(rng.integers(0, 11))
        w = rng.integers(0, 30, n)
        v = rng.integers(0, 40, n)
        c = int(rng.integers(0, 80))
        opt = brute(v, w, c)
        for method in ("dp", "branch_and_bound", "core", "auto"):
            _check(knapsack(v, w, c, method=method), v, w, c, opt)
        for order in ("value", "weight", "density"):
            _check(knapsack(v, w, c, method="greedy", greedy_order=order), v, w, c, opt, exact=False)
        half = knapsack(v, w, c, method="greedy", greedy_order="half")
        _check(half, v, w, c, opt, exact=False)
        assert 2 * half.value >= opt


def test_brute_force_real_values():
    rng = np.random.default_rng(8)
    for _ in range(150):
        n = int(rng.integers(1, 10))
        w = np.round(rng.uniform(0.1, 10, n), 3)
        v = np.round(rng.uniform(0, 10, n), 3)
        c = float(np.round(rng.uniform(0, 30), 2))
        opt = brute(v, w, c)
        for method in ("branch_and_bound", "core", "auto"):
            res = knapsack(v, w, c, method=method)
            assert res.method != "dp"
            _check(res, v, w, c, opt)


def test_strongly_correlated_small_against_dp():
    for kind in ("uncorrelated", "weakly", "strongly"):
        for seed in range(3):
            v, w, c = pisinger_knapsack(200, 1000, kind, seed=seed)
            dp = knapsack(v, w, c, method="dp")
            bb = knapsack(v, w, c, method="branch_and_bound")
            core = knapsack(v, w, c, method="core")
            assert dp.optimal and bb.optimal and core.optimal
            assert dp.value == bb.value == core.value
            assert w[bb.items].sum() <= c


@pytest.mark.parametrize("kind", ["uncorrelated", "weakly", "strongly"])
def test_branch_and_bound_n10000(kind):
    v, w, c = pisinger_knapsack(10_000, 1000, kind, seed=1)
    res = knapsack(v, w, c, method="branch_and_bound")
    assert res.optimal and res.value == res.bound
    assert w[res.items].sum() <= c and v[res.items].sum() == res.value
    assert res.value >= knapsack(v, w, c, method="greedy").value


def test_zero_weight_and_oversized_items():
    res = knapsack([5, 3, 100], [0, 2, 50], 4)
    assert (res.value, res.items, res.optimal) == (8, [0, 1], True)
    assert knapsack([], [], 10).value == 0
    assert knapsack([3], [4], 0).items == []


@pytest.mark.parametrize("args,kwargs,msg", [
    (([1, 2], [1], 3), {}, "knapsack: values and weights differ in length: values has 2, weights has 1"),
    (([1, 2], [1, -2], 3), {}, "knapsack: weights must be non-negative; weights[1] = -2"),
    (([1, -5], [1, 2], 3), {}, "knapsack: values must be non-negative; values[1] = -5"),
    (([1, 2], [1, 2], -1), {}, "knapsack: capacity must be >= 0, got -1"),
    (([1, 2], [1, 2.5], 3), {"method": "dp"}, "knapsack: method='dp' needs integer weights; weights[1] = 2.5"),
    (([1], [1], 3), {"method": "magic"}, "knapsack: unknown method 'magic'"),
    (([1], [1], 3), {"greedy_order": "size"}, "knapsack: unknown greedy_order 'size'"),
    (([[1]], [[1]], 3), {}, "knapsack: values must be 1-D, got shape (1, 1)"),
    (([1], [float("nan")], 3), {}, "knapsack: weights must be finite; weights[0] = nan"),
    (([1], [1], 3), {"time_limit": 0}, "knapsack: time_limit must be a positive number"),
])
def test_errors(args, kwargs, msg):
    with pytest.raises(ValueError) as e:
        knapsack(*args, **kwargs)
    assert str(e.value).startswith(msg)


def test_time_limit_dp():
    rng = np.random.default_rng(0)
    w = rng.integers(1, 125, 4000)
    v = rng.integers(1, 1000, 4000)
    c = 250_000  # 1e9 cells and a 125 MB bit table: seconds of work

    t = time.perf_counter()
    res = knapsack(v, w, c, method="dp", time_limit=0.1)
    elapsed = time.perf_counter() - t
    assert not res.optimal and elapsed < 3.0
    assert w[res.items].sum() <= c and res.value <= res.bound


def test_time_limit_branch_and_bound():
    v, w, c = pisinger_knapsack(10_000, 1000, "strongly", seed=2)
    t = time.perf_counter()
    res = knapsack(v, w, c, method="branch_and_bound", time_limit=1e-3)
    elapsed = time.perf_counter() - t
    assert elapsed < 3.0
    full = knapsack(v, w, c, method="core")
    assert full.optimal
    assert res.value <= full.value <= res.bound
    assert w[res.items].sum() <= c
