"""Random programs of forward ops, in-place writes and backward calls (issue 18 item 1).

Property: every ``backward`` either raises the version-counter RuntimeError, or gives exactly the
gradients of a recomputed graph: the same program replayed out of place on fresh leaves, where each
in-place write on an intermediate becomes a new value and each write on a leaf under ``no_grad``
becomes a constant shift of that leaf (its gradient passes through unchanged, as in PyTorch).
An in-place write on a leaf that requires grad outside ``no_grad`` must raise and change nothing.
"""
import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

import engine  # noqa: E402
from engine import no_grad  # noqa: E402
from engine.ops.index_put import index_put  # noqa: E402

N = 3
BINARY = {"mul": lambda a, b: a * b, "add": lambda a, b: a + b}
UNARY = {"sin": lambda a: a.sin(), "exp": lambda a: (a * 0.3).exp(), "sigmoid": lambda a: a.sigmoid()}
CONST = st.sampled_from([-1.5, 0.5, 2.0])
INDEX = st.integers(0, N - 1)
PICK = st.integers(0, 50)  # reduced modulo the number of candidates when the step runs

STEP = st.one_of(
    st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), PICK, PICK),
    st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), PICK),
    st.tuples(st.just("slot_const"), st.sampled_from(["add_", "mul_", "fill_", "clamp_"]), PICK, CONST),
    st.tuples(st.just("slot_tensor"), st.sampled_from(["add_", "mul_", "copy_"]), PICK, PICK),
    st.tuples(st.just("slot_setitem"), PICK, INDEX, PICK, INDEX),
    st.tuples(st.just("leaf_no_grad"), st.sampled_from(["add_", "mul_", "setitem"]), st.integers(0, 1), CONST),
    st.tuples(st.just("leaf_grad"), st.integers(0, 1)),
    st.tuples(st.just("backward"),),
)


def _leaves():
    rng = np.random.default_rng(0)
    return [engine.tensor(rng.normal(size=N), dtype="float64", requires_grad=True) for _ in range(2)]


class Program:
    """The program run twice at once: ``k`` in place (Kiln under test), ``r`` out of place (reference)."""

    def __init__(self):
        self.k_leaves, self.r_leaves = _leaves(), _leaves()
        self.shift = [np.zeros(N), np.zeros(N)]  # what no_grad writes added to each leaf
        self.k_slots = [self.k_leaves[0] * self.k_leaves[1]]
        self.r_slots = [self.r_leaf(0) * self.r_leaf(1)]

    def r_leaf(self, i):
        return self.r_leaves[i] + engine.tensor(self.shift[i], dtype="float64")

    def operand(self, pick):
        """(kiln, reference) operand: a leaf or an intermediate."""
        n = 2 + len(self.k_slots)
        i = pick % n
        if i < 2:
            return self.k_leaves[i], self.r_leaf(i)
        return self.k_slots[i - 2], self.r_slots[i - 2]

    def add(self, k, r):
        self.k_slots.append(k)
        self.r_slots.append(r)

    def run(self, step):
        kind = step[0]
        if kind == "binary":
            (ka, ra), (kb, rb) = self.operand(step[2]), self.operand(step[3])
            self.add(BINARY[step[1]](ka, kb), BINARY[step[1]](ra, rb))
        elif kind == "unary":
            ka, ra = self.operand(step[2])
            self.add(UNARY[step[1]](ka), UNARY[step[1]](ra))
        elif kind == "slot_const":
            _, method, pick, c = step
            s = pick % len(self.k_slots)
            args = {"clamp_": {"min": c}}.get(method, None)
            if args:
                self.k_slots[s].clamp_(**args)
                self.r_slots[s] = self.r_slots[s].clip(c, None)
            else:
                getattr(self.k_slots[s], method)(c)
                r = self.r_slots[s]
                self.r_slots[s] = {"add_": r + c, "mul_": r * c, "fill_": r * 0 + c}[method]
        elif kind == "slot_tensor":
            _, method, pick, other = step
            s = pick % len(self.k_slots)
            ko, ro = self.operand(other)
            if ko is self.k_slots[s]:
                return  # x.add_(x): aliasing in-place operands is out of scope here
            getattr(self.k_slots[s], method)(ko)
            r = self.r_slots[s]
            self.r_slots[s] = {"add_": r + ro, "mul_": r * ro, "copy_": r * 0 + ro}[method]
        elif kind == "slot_setitem":
            _, pick, i, other, j = step
            s = pick % len(self.k_slots)
            ko, ro = self.operand(other)
            self.k_slots[s][i] = ko[j]
            self.r_slots[s] = index_put(self.r_slots[s], i, ro[j])
        elif kind == "leaf_no_grad":
            _, method, i, c = step
            leaf = self.k_leaves[i]
            before = leaf.numpy().copy()
            with no_grad():
                if method == "setitem":
                    leaf[1] = c
                else:
                    getattr(leaf, method)(c)
            self.shift[i] += leaf.numpy() - before
        elif kind == "leaf_grad":
            leaf = self.k_leaves[step[1]]
            before, version = leaf.numpy().copy(), leaf._version
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
                leaf.add_(1.0)
            assert np.array_equal(leaf.numpy(), before) and leaf._version == version
        else:
            self.backward()

    def backward(self):
        for t in self.k_leaves + self.r_leaves:
            t.grad = None
        k_loss = sum(((i + 1) * s).sum() for i, s in enumerate(self.k_slots))
        try:
            k_loss.backward(retain_graph=True)
        except RuntimeError as e:
            assert "modified by an inplace operation" in str(e)
            return
        r_loss = sum(((i + 1) * s).sum() for i, s in enumerate(self.r_slots))
        np.testing.assert_allclose(k_loss.item(), r_loss.item(), rtol=1e-12, atol=1e-12)
        r_loss.backward(retain_graph=True)
        for k, r in zip(self.k_leaves, self.r_leaves):
            kg = np.zeros(N) if k.grad is None else k.grad.numpy()
            rg = np.zeros(N) if r.grad is None else r.grad.numpy()
            np.testing.assert_allclose(kg, rg, rtol=1e-10, atol=1e-12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(STEP, min_size=1, max_size=10))
def test_backward_raises_or_equals_the_recomputed_graph(steps):
    program = Program()
    for step in steps + [("backward",)]:
        program.run(step)
