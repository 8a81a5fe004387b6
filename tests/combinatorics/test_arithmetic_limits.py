"""Issue 18 item 2: sums beyond int64 / float64.  Every knapsack method on the reproducers (solved
exactly after the gcd reduction, or refused with the limit named), Python-int results, the
feasibility safety net, and set-cover costs up to 1e308."""
import importlib

import numpy as np
import pytest

from combinatorics import knapsack, set_cover

METHODS = ["auto", "greedy", "dp", "branch_and_bound", "core", "milp"]


def _needs(method):
    if method == "milp":
        pytest.importorskip("scipy")


@pytest.mark.parametrize("method", METHODS)
def test_heavy_weights_never_give_an_over_capacity_selection(method):
    _needs(method)
    res = knapsack([1, 1, 1], [2**62] * 3, 2**63 - 1, method=method)  # two items weigh 2**63
    assert (res.value, res.weight, len(res.items), res.optimal, res.bound) == (1, 2**62, 1, True, 1)


@pytest.mark.parametrize("method", METHODS)
def test_huge_values_sum_exactly(method):
    _needs(method)
    res = knapsack([2**62] * 3, [1, 1, 1], 3, method=method)
    assert (res.value, res.weight, res.items, res.optimal, res.bound) == (3 * 2**62, 3, [0, 1, 2], True, 3 * 2**62)
    assert type(res.value) is int and res.stats["value_scale"] == 2**62


@pytest.mark.parametrize("method", ["greedy", "branch_and_bound", "core", "milp"])
def test_float_methods_refuse_sums_beyond_2_53(method):
    _needs(method)
    with pytest.raises(ValueError, match=rf"^knapsack: method='{method}' computes in float64, exact only up to "
                                         r"2\*\*53 = 9007199254740992, and the integer values of the items that fit "
                                         r"sum to 2305843009213693958 after division by their gcd; method='dp' can "
                                         r"solve it$"):
        knapsack([2**60, 2**60 + 1, 5], [1, 1, 1], 3, method=method)


def test_auto_takes_the_dp_beyond_2_53_and_the_dp_refuses_beyond_int64():
    res = knapsack([2**60, 2**60 + 1, 5], [1, 1, 2], 3)
    assert (res.method, res.value, res.items, res.optimal, res.bound) == ("dp", 2**61 + 1, [0, 1], True, 2**61 + 1)
    with pytest.raises(ValueError, match=r"^knapsack: method='dp' keeps values in int64 \(at most 2\*\*63-1 = "
                                         r"9223372036854775807\), and the integer values of the items that fit sum "
                                         r"to 9223372036854775814 after division by their gcd$"):
        knapsack([2**62, 2**62 + 1, 5], [1, 1, 1], 3, method="dp")
    with pytest.raises(ValueError, match=r"^knapsack: method='branch_and_bound' computes in float64, .* the integer "
                                         r"weights of the items that fit sum to 9223372036854775814 after division "
                                         r"by their gcd; method='dp' would need a .* GiB table"):
        knapsack([1, 2, 3], [2**62, 2**62 + 1, 5], 2**63)


def test_sums_up_to_2_53_stay_exact_and_huge_capacities_are_cut():
    assert knapsack([2**53 - 1, 1], [1, 1], 2, method="core").value == 2**53
    res = knapsack([1, 2], [1, 1], 10**400)
    assert (res.value, res.weight, res.optimal) == (3, 2, True)
    res = knapsack([1.5, 2], [1.5, 1], 10**400)
    assert (res.value, res.weight, res.optimal) == (3.5, 2.5, True)


@pytest.mark.parametrize("args,msg", [
    (([2**64], [1], 2), "knapsack: values[0] = 18446744073709551616 does not fit in int64"),
    (([1], [2**63], 2), "knapsack: weights[0] = 9223372036854775808 does not fit in int64"),
    (([1e300, 1e300], [1, 1], 2), "knapsack: the real-valued values of the items that fit sum to 2e+300, more "
                                  "than 2**300 (about 2.04e90)"),
    (([1, 1], [1e-300, 1.5], 2), "knapsack: real-valued weights must be 0 or at least 2**-300 (about 4.9e-91), "
                                 "so that densities cannot overflow; weights[0] = 1e-300"),
    (([1], [1], float("inf")), "knapsack: capacity must be finite, got inf"),
])
def test_numbers_beyond_the_limits_are_refused(args, msg):
    with pytest.raises(ValueError) as e:
        knapsack(*args)
    assert str(e.value).startswith(msg)


def test_a_selection_over_the_capacity_is_never_returned(monkeypatch):
    kmod = importlib.import_module("combinatorics.knapsack")
    monkeypatch.setattr(kmod, "greedy", lambda v, w, cap, order: (np.ones(v.shape[0], bool), 0, 0))  # broken
    with pytest.raises(RuntimeError, match=r"knapsack: internal error: method='greedy' chose items weighing 2 over "
                                           r"the capacity 1"):
        knapsack([1, 1], [1, 1], 1, method="greedy")


@pytest.mark.parametrize("method", ["greedy", "exact", "milp"])
def test_set_cover_costs_up_to_1e308(method):
    _needs(method)
    res = set_cover([{1}, {2}], costs=[1e308, 1e308], method=method)
    assert (res.cost, res.lower_bound, res.chosen, res.optimal) == (2 * int(1e308),) * 2 + ([0, 1], True)
    res = set_cover([{1}, {2}, {1, 2}], costs=[2**62, 2**62, 3 * 2**61], method=method)
    assert (res.cost, res.chosen, res.optimal) == (3 * 2**61, [2], True) and type(res.cost) is int


@pytest.mark.parametrize("costs,msg", [
    ([2**53, 2**53 + 1], "set_cover: integer costs sum to 18014398509481985 after division by their gcd, more than "
                         "2**53 = 9007199254740992"),
    ([0.5, 1e300], "set_cover: real-valued costs sum to 1e+300, more than 2**300 (about 2.04e90)"),
    ([1, 2**70], "set_cover: integer costs sum to 1180591620717411303425 after division by their gcd"),
])
def test_set_cover_costs_beyond_the_limits_are_refused(costs, msg):
    with pytest.raises(ValueError) as e:
        set_cover([{1}, {2}], costs=costs)
    assert str(e.value).startswith(msg)


def test_dp_stopped_beyond_2_53_reports_a_valid_bound():
    """Values summing past 2**53: "auto" runs the DP; stopped early, its float64 LP bound is widened
    past its rounding, so it still bounds the exact optimum."""
    rng = np.random.default_rng(1)
    w = rng.integers(1, 100, 2000)
    v = rng.integers(2**50, 2**51, 2000)
    c = int(w.sum() // 2)
    stopped = knapsack(v, w, c, time_limit=1e-3)
    full = knapsack(v, w, c)
    assert (stopped.method, stopped.optimal, full.method, full.optimal) == ("dp", False, "dp", True)
    assert stopped.value <= full.value <= stopped.bound and full.value == full.bound
    assert full.value == sum(int(v[i]) for i in full.items) and sum(int(w[i]) for i in full.items) <= c


def test_large_common_factors_against_brute_force():
    """Small instances blown up by large factors (values and weights up to ~2**62): every method
    returns a feasible selection, summed exactly; the exact ones the brute-force optimum."""
    rng = np.random.default_rng(4)
    methods = [m for m in METHODS if m != "milp"]
    for trial in range(30):
        n = int(rng.integers(1, 8))
        gv, gw = (int(rng.choice([1, 3, 2**40, 2**58 + 1])) for _ in range(2))
        v = [int(x) * gv for x in rng.integers(0, 20, n)]
        w = [int(x) * gw for x in rng.integers(0, 20, n)]
        cap = int(rng.integers(0, 40)) * gw + int(rng.integers(0, gw))
        best = max(sum(v[i] for i in range(n) if m >> i & 1) for m in range(1 << n)
                   if sum(w[i] for i in range(n) if m >> i & 1) <= cap)
        for method in methods:
            res = knapsack(v, w, cap, method=method)
            assert sum(w[i] for i in res.items) == res.weight <= cap
            assert sum(v[i] for i in res.items) == res.value <= best <= res.bound
            if method != "greedy":
                assert res.optimal and res.value == best
