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


def test_decimal_weights_that_fill_the_capacity_exactly_fit():
    """Subset sums of 1-decimal weights, solved exactly in tenths: a float sum one ulp over the capacity
    (0.1 + 0.2 + ... vs a capacity it equals in decimal) must still count as fitting."""
    rng = np.random.default_rng(12)
    assert sum([0.1, 0.2]) > 0.3  # the float rounding this guards against
    r = knapsack([0.1, 0.2, 5.0], [0.1, 0.2, 5.0], 0.3)
    assert r.items == [0, 1] and r.optimal
    for _ in range(300):
        n = int(rng.integers(3, 11))
        tenths = rng.integers(1, 50, n)
        cap_tenths = int(rng.integers(5, tenths.sum() + 1))
        best = max(sum(int(tenths[i]) for i in range(n) if m >> i & 1) for m in range(1 << n)
                   if sum(int(tenths[i]) for i in range(n) if m >> i & 1) <= cap_tenths)
        w = (tenths / 10).tolist()
        for method in ("branch_and_bound", "greedy"):
            res = knapsack(w, w, cap_tenths / 10, method=method)
            assert round(sum(tenths[i] for i in res.items)) <= cap_tenths
            if method == "branch_and_bound":
                assert res.optimal and round(res.value * 10) == best


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


# --- the exact search's parts: bounds never below the optimum, fixing never against it ---------

def _all_solutions(v, w, c):
    """Every feasible 0/1 vector (rows) of a small instance with its value, by enumeration."""
    n = len(v)
    x = (np.arange(2 ** n)[:, None] >> np.arange(n)[None, :]) & 1
    ok = x @ np.asarray(w, np.int64) <= c
    return x[ok].astype(bool), x[ok] @ np.asarray(v, np.int64)


def _small_instances(count, seed):
    """Small instances of every Pisinger class (incl. inverse strongly and subset sum), varied
    capacities, plus plain random ones with ties and repeated weights."""
    from combinatorics.generators import KINDS

    rng = np.random.default_rng(seed)
    for k in range(count):
        n = int(rng.integers(1, 13))
        if k % 4 == 3:
            w = rng.integers(1, 6, n)
            v = rng.integers(0, 8, n)
            c = int(rng.integers(0, w.sum() + 2))
        else:
            R = int(rng.choice([10, 30, 100, 1000]))
            v, w, c = pisinger_knapsack(n, R, KINDS[k % len(KINDS)], h=int(rng.integers(1, 100)),
                                        seed=int(rng.integers(1 << 30)))
        yield v, w, c


def test_brute_force_pisinger_classes():
    for v, w, c in _small_instances(400, seed=11):
        _, vals = _all_solutions(v, w, c)
        opt = int(vals.max())
        for method in ("branch_and_bound", "core"):
            res = knapsack(v, w, c, method=method)
            _check(res, v, w, c, opt)
            assert res.bound == opt


def _sorted_live(v, w, c, mu=0.0):
    """Live items as float arrays sorted by (value - mu) / weight, as the search sees them."""
    live = (w > 0) & (w <= c)
    p, ws = v[live].astype(float), w[live].astype(float)
    order = np.argsort(-(p - mu) / ws, kind="stable")
    return p[order], ws[order]


def test_cardinality_bound_and_fixing_never_cut_the_optimum():
    from combinatorics.knapsack_bounds import cardinality_bound, cardinality_limits
    from combinatorics.knapsack_reduce import fix_items

    checked = 0
    for v, w, c in _small_instances(300, seed=12):
        p, ws = _sorted_live(v, w, c)
        if p.size == 0:
            continue
        x, vals = _all_solutions(p.astype(np.int64), ws.astype(np.int64), c)
        opt = int(vals.max())
        for z in (0, opt - 1):  # a weak incumbent and the best one short of the optimum
            if z < 0:
                continue
            k_max, k_min = cardinality_limits(p, ws, float(c), z)
            assert x.sum(axis=1).max() <= k_max
            assert np.all(x[vals > z].sum(axis=1) >= k_min)
            bound, mu = cardinality_bound(p, ws, float(c), k_max, k_min, float(z), True)
            assert max(bound, z) >= opt
            k_cap = k_max if mu >= 0 else k_min
            for m in (0.0, mu):
                pm, wm = _sorted_live(p, ws, c, m)
                xm, vm = _all_solutions(pm.astype(np.int64), wm.astype(np.int64), c)
                free = fix_items(pm, wm, float(c), float(z), True, m, k_cap if m else 0)
                brk = np.zeros(pm.size, bool)
                pos = int(np.count_nonzero(pm - m > 0))
                brk[:int(np.searchsorted(np.cumsum(wm[:pos]), c, side="right"))] = True
                for sol in xm[vm > z]:  # every solution better than z agrees with every fixing
                    assert np.all(sol[~free] == brk[~free])
                checked += 1
    assert checked > 300


def test_core_search_with_any_multiplier():
    """The Lagrangian state bounds hold for any multiplier, not just the best one."""
    from combinatorics.knapsack_bounds import cardinality_limits
    from combinatorics.knapsack_core import core_search

    rng = np.random.default_rng(13)
    for v, w, c in _small_instances(200, seed=14):
        p, ws = _sorted_live(v, w, c)
        if p.size == 0:
            continue
        opt = int(_all_solutions(p.astype(np.int64), ws.astype(np.int64), c)[1].max())
        k_max, k_min = cardinality_limits(p, ws, float(c), 0.0)
        for mu in (0.0, float(rng.integers(-20, 40)) / 4):
            pm, wm = _sorted_live(p, ws, c, mu)
            mask, z, improved, upper, finished, *_ = core_search(
                pm, wm, float(c), True, np.inf, -1.0, np.inf, mu, k_max if mu >= 0 else k_min)
            assert finished and improved and z == opt and upper == opt
            assert wm[mask].sum() <= c and pm[mask].sum() == opt


def test_initial_incumbent_is_feasible():
    from combinatorics.knapsack_heuristic import initial_incumbent

    for v, w, c in _small_instances(200, seed=15):
        p, ws = _sorted_live(v, w, c)
        mask, z = initial_incumbent(p, ws, float(c))
        assert ws[mask].sum() <= c and p[mask].sum() == z


@pytest.mark.parametrize("kind", ["strongly", "inverse_strongly", "almost_strongly", "subset_sum"])
def test_correlated_classes_against_dp(kind):
    for seed in range(2):
        for h in (10, 50, 90):
            v, w, c = pisinger_knapsack(300, 1000, kind, h=h, seed=seed)
            dp = knapsack(v, w, c, method="dp")
            for method in ("branch_and_bound", "core"):
                res = knapsack(v, w, c, method=method)
                assert res.optimal and res.value == dp.value == res.bound
                assert w[res.items].sum() <= c and v[res.items].sum() == res.value


def test_time_limit_stops_the_core():
    # even-odd subset sum: even weights, odd capacity, plus a worthless weight-1 item that keeps
    # the weights' gcd at 1 and an item worth 1 that fills the capacity alone and keeps the values'
    # gcd at 1 (knapsack divides by both); no bound drops below the capacity, so the core keeps
    # ~1e5 states
    rng = np.random.default_rng(0)
    w = np.append(2 * rng.integers(1, 1000, 200), 1)
    v = np.append(w[:-1], 0)
    c = int(w.sum() // 2) | 1
    w, v = np.append(w, c), np.append(v, 1)
    res = knapsack(v, w, c, method="core", time_limit=0.01)
    best = knapsack(v, w, c, method="dp").value
    assert not res.optimal
    assert res.value <= best <= res.bound
    assert w[res.items].sum() <= c and v[res.items].sum() == res.value


def test_gcd_of_weights_rounds_the_capacity():
    res = knapsack([4, 6, 10], [4, 6, 10], 15, method="core")  # even weights, odd capacity
    assert (res.value, res.bound, res.optimal) == (14, 14, True)
    assert res.stats["finished_by"] == "bounds"


def test_auto_falls_back_to_dp(monkeypatch):
    import importlib

    kmod = importlib.import_module("combinatorics.knapsack")  # the module, not the function
    v, w, c = pisinger_knapsack(60, 100, "almost_strongly", seed=3)
    exact = knapsack(v, w, c, method="dp")
    res = knapsack(v, w, c, method="auto")
    assert res.method == "branch_and_bound" and res.optimal and res.value == exact.value

    def unfinished(vl, wl, cap, integral, method, deadline, stats):  # a search that runs out
        return np.zeros(vl.shape[0], bool), False, float(vl.sum())

    monkeypatch.setattr(kmod, "_search", unfinished)
    res = knapsack(v, w, c, method="auto")
    assert res.method == "dp" and res.optimal and res.value == res.bound == exact.value


def test_random_medium_against_dp():
    """Fixing, count classes and the core together, against DP (fast: DP tables stay small)."""
    from combinatorics.generators import KINDS

    rng = np.random.default_rng(16)
    cases = [pisinger_knapsack(238, 100, "weakly", h=67, seed=1018944871)]  # all items fixed, once
    for k in range(400):
        cases.append(pisinger_knapsack(int(rng.integers(1, 150)), int(rng.choice([5, 20, 100])),
                                       KINDS[k % len(KINDS)], h=int(rng.integers(1, 101)),
                                       seed=int(rng.integers(1 << 30))))
    for v, w, c in cases:
        best = knapsack(v, w, c, method="dp").value
        for method in ("branch_and_bound", "core"):
            res = knapsack(v, w, c, method=method)
            assert res.optimal and res.value == best == res.bound
            assert w[res.items].sum() <= c and v[res.items].sum() == res.value


def test_timing_cli(capsys):
    from combinatorics.knapsack_timing import main

    main(["--n", "60", "--kinds", "strongly,almost_strongly", "--seeds", "1", "--reps", "1", "--h", "50"])
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and all("unproved 0" in line for line in out)
