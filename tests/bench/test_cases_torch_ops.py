"""bench.cases_torch_ops: the quick cases run with a torch reference that agrees with Kiln, a Kiln/torch
mismatch fails the case before any timing, and ``--only`` picks the cases by op name.

(``test_quick_smoke`` runs the module without torch as part of the whole ``--quick`` suite.)
"""
import numpy as np
import pytest

from bench import cases_torch_ops
from bench.ceilings import Ceilings
from bench.registry import select
from bench.runner import run_case
from bench.timing import CpuTimer

CEIL = Ceilings(matmul_gflops=1.0, copy_gbs=1.0, matmul_n=64, copy_mib=1, device="test cpu")
OPS = ("einsum/bmm", "einsum/attn", "interpolate/bilinear", "interpolate/nearest_x2", "conv1d/",
       "conv2d_grouped/g4", "conv2d_grouped/depthwise", "op_overhead/graph3")


def test_quick_lists_every_op_once():
    names = [c.full_name for c in cases_torch_ops.cases(quick=True)]
    assert len(names) == len(OPS)
    for op in OPS:
        assert sum(f"torch_ops/{op}" in n for n in names) == 1, (op, names)


def test_full_sizes_are_the_issue_shapes():
    names = {c.name for c in cases_torch_ops.cases(quick=False)}
    assert {"einsum/bmm_b32_64x64x64", "interpolate/bilinear_8x16x32x32_to_64x64",
            "interpolate/nearest_x2_8x16x32x32", "conv1d/32x16x256_out32_k5",
            "conv2d_grouped/g4_16x32x32x32_3x3", "conv2d_grouped/depthwise_16x32x32x32_3x3",
            "op_overhead/graph3_x200"} <= names


def test_only_patterns_select_the_module():
    cs = cases_torch_ops.cases(quick=True)
    assert len(select(cs, "einsum,interpolate,conv1d,grouped,overhead")) == len(OPS)
    assert [c.name for c in select(cs, "grouped")] == ["conv2d_grouped/g4_2x8x6x6_3x3",
                                                        "conv2d_grouped/depthwise_2x8x6x6_3x3"]
    assert len(select(cs, "torch_ops")) == len(OPS)


def test_conv_flops_follow_bench_work():
    from bench.work import conv2d_flops

    g4 = next(c for c in cases_torch_ops.cases(quick=False) if c.name.startswith("conv2d_grouped/g4"))
    assert g4.flops == 3 * conv2d_flops(16, 32, 32, 32, 32, 3, 3, pad=1, groups=4)


@pytest.mark.parametrize("op", OPS)
def test_quick_case_runs_against_torch(op):
    torch = pytest.importorskip("torch")  # noqa: F841  (the reference and the parity check need it)
    case = next(c for c in cases_torch_ops.cases(quick=True) if op in c.name)
    res = run_case(case, CpuTimer(), CEIL, quick=True)
    assert res["status"] == "ok", res["note"]
    assert res["min_ms"] > 0 and res["refs"]["torch"]["ratio"] > 0 and not res["refs"]["torch"]["error"]


def test_a_kiln_torch_mismatch_fails_the_case_before_timing():
    pytest.importorskip("torch")
    case = cases_torch_ops._op_case("wrong/double", [(2, 3)], lambda x: x * 2.0, lambda x: x * 3.0, "cpu")
    with pytest.raises(ValueError, match=r"torch_ops/wrong/double: Kiln's output differs from torch's by"):
        case.materialise()
    res = run_case(case, CpuTimer(), CEIL, quick=True)
    assert res["status"] == "error" and "differs from torch's" in res["note"] and res["min_ms"] is None


def test_a_gradient_mismatch_names_the_input():
    pytest.importorskip("torch")
    # the same forward x + y, but torch's gradient of y is -1 where Kiln's is +1
    case = cases_torch_ops._op_case("wrong/grad", [(3,), (3,)], lambda x, y: x + y,
                                    lambda x, y: x + (2 * y).detach() - y, "cpu")
    with pytest.raises(ValueError, match=r"wrong/grad: Kiln's gradient of input 1 differs from torch's"):
        case.materialise()


def test_check_same_refuses_shape_and_nan():
    with pytest.raises(ValueError, match=r"c: Kiln's out has shape \(2,\), torch's \(3,\)"):
        cases_torch_ops._check_same("c", "out", _Arr(np.zeros(2)), _Arr(np.zeros(3)))
    with pytest.raises(ValueError, match="differs from torch's by nan"):
        cases_torch_ops._check_same("c", "out", _Arr(np.array([np.nan])), _Arr(np.zeros(1)))


class _Arr:
    """A stand-in with Kiln's ``.numpy()``."""

    def __init__(self, a):
        self._a = a

    def numpy(self):
        return self._a
