"""Set cover: the notes' examples, brute force on random instances, OR-Library instances, errors,
time limits."""
import itertools
import time

import numpy as np
import pytest

from combinatorics import set_cover
from combinatorics.generators import random_set_cover
from combinatorics.instances import available, setcover_instances


def test_notes_smallest_cover():
    subsets = [{1, 2, 3}, {2, 4}, {3, 4}, {4, 5}]
    res = set_cover(subsets, universe=range(1, 6))
    assert (res.cost, res.chosen, res.optimal, res.lower_bound) == (2, [0, 3], True, 2)


def test_notes_costed_example():
    subsets = [{1, 2}, {2, 3}, {1, 2, 3}]
    for method in ("exact", "greedy", "auto"):
        res = set_cover(subsets, costs=[10, 50, 100], method=method)
        assert (res.cost, res.chosen) == (60, [0, 1])
    g = set_cover(subsets, costs=[10, 50, 100], method="greedy")
    assert g.stats["prices"] == {1: 5.0, 2: 5.0, 3: 50.0}  # price(e): cost / newly covered
    assert sum(g.stats["prices"].values()) == 60


def greedy_trap(k):
    """Two halves A, B of 2^k - 1 elements each (optimum: 2 sets) plus disjoint sets S_i of size
    2^i, half in A and half in B, that greedy prefers: it takes S_k, ..., S_1 (k sets)."""
    a = list(range(2**k - 1))
    b = list(range(2**k - 1, 2 * (2**k - 1)))
    subsets = [a, b]
    start = 0
    for i in range(1, k + 1):
        h = 2 ** (i - 1)
        subsets.append(a[start:start + h] + b[start:start + h])
        start += h
    return subsets


def test_greedy_takes_many_times_the_optimum():
    subsets = greedy_trap(8)
    g = set_cover(subsets, method="greedy")
    e = set_cover(subsets, method="exact")
    assert (g.cost, e.cost, e.chosen) == (8, 2, [0, 1])
    assert g.stats["order"] == [9, 8, 7, 6, 5, 4, 3, 2]
    assert g.lower_bound <= 2 and not g.optimal


def brute(subsets, costs, m):
    best = np.inf
    n = len(subsets)
    for r in range(n + 1):
        for comb in itertools.combinations(range(n), r):
            cov = set().union(*(subsets[j] for j in comb)) if comb else set()
            if len(cov) == m:
                best = min(best, sum(costs[j] for j in comb))
    return best


def _feasible(res, subsets, m):
    cov = set().union(*(subsets[j] for j in res.chosen)) if res.chosen else set()
    return len(cov) == m


def test_brute_force_random():
    rng = np.random.default_rng(3)
    for trial in range(200):
        m = int(rng.integers(1, 9))
        n = int(rng.integers(1, 11))
        subsets = [set(np.flatnonzero(rng.random(m) < 0.35).tolist()) for _ in range(n)]
        for i in range(m):  # make every element coverable
            subsets[int(rng.integers(0, n))].add(i)
        costs = rng.integers(1, 20, n) if trial % 2 else np.ones(n, np.int64)
        opt = brute(subsets, costs, m)
        e = set_cover(subsets, costs=costs, universe=range(m), method="exact")
        g = set_cover(subsets, costs=costs, universe=range(m), method="greedy")
        assert e.optimal and e.cost == opt and e.lower_bound == opt
        assert _feasible(e, subsets, m) and _feasible(g, subsets, m)
        assert e.cost == sum(costs[j] for j in e.chosen)
        assert g.cost >= opt and g.lower_bound <= opt


def test_real_costs_and_hashable_elements():
    subsets = [{"a", (1, 2)}, {(1, 2), "b"}, {"a", "b", (1, 2)}]
    res = set_cover(subsets, costs=[0.5, 0.75, 1.5])
    assert res.chosen == [0, 1] and res.cost == pytest.approx(1.25) and res.optimal


@pytest.mark.parametrize("kwargs,msg", [
    (dict(subsets=[{1, 2}, {3}], universe=[1, 2, 3, 4]), "set_cover: element 4 of the universe is in no subset"),
    (dict(subsets=[{1, 2}, {3}], costs=[1, -2]), "set_cover: costs must be non-negative; costs[1] = -2.0"),
    (dict(subsets=[{1, 2}, {3}], costs=[1]), "set_cover: costs has shape (1,) but there are 2 subsets"),
    (dict(subsets=[{1, 2}, {9}], universe=[1, 2]), "set_cover: subsets[1] contains 9, which is not in the universe"),
    (dict(subsets=[{1}], method="lp"), "set_cover: unknown method 'lp'"),
    (dict(subsets=[{1}], costs=[float("inf")]), "set_cover: costs must be finite; costs[0] = inf"),
])
def test_errors(kwargs, msg):
    with pytest.raises(ValueError) as e:
        set_cover(**kwargs)
    assert str(e.value).startswith(msg)


def test_random_orlib_shape_exact_vs_greedy():
    subsets, costs = random_set_cover(100, 500, 0.02, seed=5)
    e = set_cover(subsets, costs)
    g = set_cover(subsets, costs, method="greedy")
    assert e.optimal and g.cost >= e.cost and e.lower_bound == e.cost
    covered = np.zeros(100, bool)
    for j in e.chosen:
        covered[subsets[j]] = True
    assert covered.all()


def test_milp_matches_exact():
    pytest.importorskip("scipy")
    subsets, costs = random_set_cover(60, 200, 0.05, seed=2)
    assert set_cover(subsets, costs, method="milp").cost == set_cover(subsets, costs).cost


needs_data = pytest.mark.skipif(not available(), reason="shared OR-Library data not found")


@needs_data
@pytest.mark.parametrize("name", ["scp41", "scp45", "scp53"])
def test_orlib_proves_known_optimum(name):
    row = next(r for r in setcover_instances() if r["name"] == name)
    inst = row["load"]()
    res = set_cover(inst.subsets, inst.costs, method="exact")
    assert res.optimal and res.cost == row["optimum"] == res.lower_bound
    g = set_cover(inst.subsets, inst.costs, method="greedy")
    assert row["optimum"] <= g.cost <= 1.15 * row["optimum"]


@needs_data
def test_time_limit_is_honoured():
    row = next(r for r in setcover_instances() if r["name"] == "scpb4")
    inst = row["load"]()
    t = time.perf_counter()
    res = set_cover(inst.subsets, inst.costs, method="exact", time_limit=0.5)
    elapsed = time.perf_counter() - t
    assert elapsed < 0.5 + 3.0  # one subgradient batch past the deadline at most
    assert res.lower_bound <= row["optimum"] <= res.cost
    assert res.optimal == (res.cost == res.lower_bound)


def dp_optimum(subsets, costs, m):
    """Cheapest cover by dynamic programming over the 2^m sets of covered elements."""
    full = (1 << m) - 1
    dp = np.full(full + 1, np.inf)
    dp[0] = 0.0
    masks = np.arange(full + 1)
    for s, c in zip(subsets, costs):
        bits = sum(1 << int(e) for e in s)
        np.minimum.at(dp, masks | bits, dp + c)
    return dp[full]


def test_tree_search_matches_dp_on_branching_instances():
    """Instances big enough that the search branches (and runs on the reduced problem)."""
    rng = np.random.default_rng(11)
    branched = 0
    for trial in range(60):
        m = int(rng.integers(8, 14))
        n = int(rng.integers(15, 40))
        subsets = [np.flatnonzero(rng.random(m) < 0.25) for _ in range(n)]
        for i in range(m):
            j = int(rng.integers(0, n))
            subsets[j] = np.union1d(subsets[j], [i])
        costs = rng.integers(1, 30, n) if trial % 3 else np.ones(n, np.int64)
        if trial % 5 == 4:
            costs = rng.random(n) * 10 + 0.1  # real costs
        opt = dp_optimum(subsets, costs, m)
        e = set_cover(subsets, costs=costs, universe=range(m), method="exact")
        assert e.optimal and e.cost == pytest.approx(opt) and e.lower_bound == pytest.approx(opt)
        covered = np.zeros(m, bool)
        for j in e.chosen:
            covered[subsets[j]] = True
        assert covered.all() and e.cost == pytest.approx(sum(costs[j] for j in e.chosen))
        branched += e.stats["nodes"] > 1
    assert branched >= 10


@needs_data
@pytest.mark.parametrize("limit", [1e-4, 0.05])
def test_tiny_time_limit_gives_a_cover_and_a_valid_bound(limit):
    row = next(r for r in setcover_instances() if r["name"] == "scp41")
    inst = row["load"]()
    res = set_cover(inst.subsets, inst.costs, method="exact", time_limit=limit)
    assert res.lower_bound <= row["optimum"] <= res.cost
    assert res.optimal == (res.cost == res.lower_bound)
    covered = np.zeros(len({e for s in inst.subsets for e in s}), bool)
    for j in res.chosen:
        covered[inst.subsets[j]] = True
    assert covered.all()


def test_plain_greedy_without_redundant_removal():
    """Issue 18 item 14: the course's greedy takes {1,2,3} first, then the three pairs (4 sets);
    removal then drops {1,2,3} (3 sets).  The result says which ran."""
    subsets = [{1, 2, 3}, {1, 4}, {2, 5}, {3, 6}]
    plain = set_cover(subsets, method="greedy", remove_redundant=False)
    assert (plain.cost, plain.chosen, plain.remove_redundant) == (4, [0, 1, 2, 3], False)
    assert plain.stats["order"] == [0, 1, 2, 3] and plain.stats["picked_before_removal"] == 4
    kept = set_cover(subsets, method="greedy")
    assert (kept.cost, kept.chosen, kept.remove_redundant) == (3, [1, 2, 3], True)
    assert plain.lower_bound == kept.lower_bound == 3 and kept.optimal and not plain.optimal
    assert set_cover(subsets).remove_redundant is None
    with pytest.raises(ValueError, match=r"set_cover: remove_redundant=False applies to method='greedy' only, "
                                         r"got method='exact'"):
        set_cover(subsets, method="exact", remove_redundant=False)
    with pytest.raises(ValueError, match="set_cover: remove_redundant must be True or False, got 'no'"):
        set_cover(subsets, method="greedy", remove_redundant="no")
