"""The knapsack DP kernels (CPU against brute force, CUDA against CPU under the simulator), the
instance readers and the command line."""
import json

import numpy as np
import pytest

from combinatorics.__main__ import main
from combinatorics.readers import read_knapsack, read_orlib_setcover
from kernels.knapsack import knapsack_dp, knapsack_dp_cells, knapsack_dp_items


def test_cpu_kernel_every_cell_against_brute_force():
    rng = np.random.default_rng(11)
    for _ in range(40):
        n = int(rng.integers(1, 7))
        w = rng.integers(0, 12, n)
        v = rng.integers(0, 20, n)
        cap = int(rng.integers(0, 40))
        best, take = knapsack_dp(v, w, cap)
        masks = [[(mk >> i) & 1 for i in range(n)] for mk in range(1 << n)]
        for cell in range(cap + 1):
            opt = max(np.dot(mk, v) for mk in masks if np.dot(mk, w) <= cell)
            assert best[cell] == opt
            chosen = knapsack_dp_items(take, w, cap, cell)
            assert v[chosen].sum() == opt and w[chosen].sum() <= cell


def test_cells_count():
    assert knapsack_dp_cells(np.array([3, 5, 20]), 10) == (3 - 3 + 1) + (8 - 5 + 1)


def test_cuda_kernel_matches_cpu():
    from kernels.cpu.knapsack import knapsack_dp_cpu
    from kernels.cuda.knapsack import knapsack_dp_cuda

    rng = np.random.default_rng(5)
    for trial in range(3):
        n = 5
        w = rng.integers(0, 10, n).astype(np.int64)
        v = rng.integers(0, 30, n).astype(np.int64 if trial < 2 else np.float64)
        cap = int(rng.integers(5, 70))
        b1, t1 = knapsack_dp_cpu(v, w, cap)
        b2, t2 = knapsack_dp_cuda(v, w, cap)
        b2 = b2.get() if hasattr(b2, "get") else b2
        t2 = t2.get() if hasattr(t2, "get") else t2
        np.testing.assert_array_equal(b1, b2)
        np.testing.assert_array_equal(t1, t2)


def test_read_plain_json_pisinger(tmp_path):
    p = tmp_path / "k.txt"
    p.write_bytes(b"3 \r\n10\r\n5 4\r\n6 5\r\n3 2\r\n1 0 1\r\n")  # CRLF, trailing solution vector
    inst = read_knapsack(p)
    assert inst.capacity == 10 and inst.values.tolist() == [5, 6, 3] and inst.weights.tolist() == [4, 5, 2]
    j = tmp_path / "k.json"
    j.write_text(json.dumps({"values": [1.5, 2], "weights": [1, 2], "capacity": 2}))
    inst = read_knapsack(j)
    assert inst.values.dtype == np.float64 and inst.weights.dtype == np.int64
    c = tmp_path / "p.csv"
    c.write_text("napPI_1_2_1\nn 2\nc 5\nz 7\ntime 0.00\n1,3,4,0\n2,7,5,1\n-----\n\n"
                 "knapPI_1_2_2\nn 2\nc 9\nz 10\ntime 0.00\n1,3,4,1\n2,7,5,1\n-----\n")
    assert read_knapsack(c).name == "knapPI_1_2_1"  # the known typo in the source, repaired
    second = read_knapsack(f"{c}#knapPI_1_2_2")
    assert (second.capacity, second.optimum, second.values.tolist()) == (9, 10, [3, 7])
    with pytest.raises(ValueError, match="expected 4 value/weight pairs, found 1"):
        (tmp_path / "bad.txt").write_text("4 10\n1 2\n")
        read_knapsack(tmp_path / "bad.txt")


def test_read_orlib(tmp_path):
    p = tmp_path / "scp.txt"
    p.write_text(" 3 4\n 1 2 3 4\n 2 1 2\n 1 3\n 3 2 3 4\n")
    inst = read_orlib_setcover(p)
    assert inst.n_rows == 3 and inst.costs.tolist() == [1, 2, 3, 4]
    assert [s.tolist() for s in inst.subsets] == [[0], [0, 2], [1, 2], [2]]


def test_cli(tmp_path, capsys):
    p = tmp_path / "k.txt"
    p.write_text("7 10\n13 8\n10 5\n10 5\n7 3\n1 2\n1 2\n1 2\n")
    assert main(["knapsack", str(p)]) == 0
    out = capsys.readouterr().out
    assert "value:    20" in out and "optimal:  True" in out and "items:    1 2" in out
    assert main(["knapsack", str(p), "--method", "greedy", "--greedy-order", "value"]) == 0
    assert "value:    14" in capsys.readouterr().out
    s = tmp_path / "scp.txt"
    s.write_text("3 3\n10 50 100\n2 1 3\n3 1 2 3\n2 2 3\n")
    assert main(["setcover", str(s)]) == 0
    out = capsys.readouterr().out
    assert "cost:     60" in out and "chosen:   1 2 " in out
    bad = tmp_path / "neg.txt"
    bad.write_text("1 5\n3 -1\n")
    assert main(["knapsack", str(bad)]) == 2
    assert "weights must be non-negative" in capsys.readouterr().err
