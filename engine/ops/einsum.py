"""``einsum`` with torch's equation language: letters a-z/A-Z, ``...`` (broadcast, right-aligned),
the implicit output (ellipsis dims, then letters used once, in alphabetical order), repeated letters
in one operand (diagonals) and size-1 broadcasting.

The user function first brings every operand to a *clean* form — ellipses spelled as letters, size-1
dims broadcast, repeated letters taken as diagonals, letters that only one operand has and the output
lacks summed away — all with differentiable ops.  On clean operands the gradient of operand ``k`` is
one more einsum, of the output gradient and the other operands into ``k``'s letters; the backward
calls the user function, so einsum is differentiable as often as you like.  The forward runs
``numpy.einsum`` (``cupy.einsum`` on the GPU) with greedy contraction-order optimisation, which
hands pairwise contractions to BLAS (7x faster than the plain loop for a batched matmul).
"""
from __future__ import annotations

import string

from ..backend import get_array_module
from ..function import Function
from ..tensor import Tensor
from ._util import check_same_device, operand
from .reduce import Sum
from .shape import BroadcastTo

_LETTERS = string.ascii_letters


class Einsum(Function):
    @staticmethod
    def forward(ctx, *arrays, subs, out):
        ctx.subs, ctx.out = subs, out
        ctx.save_for_backward(*arrays)
        eq = ",".join(subs) + "->" + out
        return get_array_module(arrays[0]).einsum(eq, *arrays, optimize="greedy" if len(arrays) > 1 else False)

    @staticmethod
    def backward(ctx, gy):
        ops = ctx.saved_tensors
        grads = []
        for k, need in enumerate(ctx.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            others = [i for i in range(len(ops)) if i != k]
            eq = ",".join([ctx.out] + [ctx.subs[i] for i in others]) + "->" + ctx.subs[k]
            grads.append(einsum(eq, gy, *[ops[i] for i in others]))
        return tuple(grads)


def _parse(equation, operands):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
        explicit = True
    else:
        lhs, out, explicit = eq, "", False
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError(f"einsum: equation {equation!r} has {len(terms)} operands but {len(operands)} were given")
    for t in terms + [out]:
        body = t.replace("...", "")
        if "." in body or any(c not in _LETTERS for c in body):
            raise RuntimeError(f"einsum: invalid subscript {t!r} in {equation!r} (letters and '...' only)")
    used = set("".join(terms).replace(".", "") + out.replace(".", ""))
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for t, x in zip(terms, operands):
        k = len(t.replace("...", ""))
        if "..." in t:
            n_ell = max(n_ell, x.ndim - k)
            if x.ndim < k:
                raise RuntimeError(f"einsum: operand of shape {tuple(x.shape)} has fewer dims than {t!r} names")
        elif x.ndim != k:
            raise RuntimeError(f"einsum: subscript {t!r} names {k} dims but the operand has shape {tuple(x.shape)}")
    ell = "".join(free[:n_ell])
    spelled = []
    for t, x in zip(terms, operands):
        if "..." in t:
            e = x.ndim - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - e:])
        spelled.append(t)
    if explicit:
        if "..." in out:
            out = out.replace("...", ell)
        elif n_ell and any("..." in t for t in terms):
            pass  # ellipsis dims absent from the output are summed (torch)
    else:
        counts = {}
        for t in spelled:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted((c for c, n in counts.items() if n == 1 and c not in ell),
                                   key=lambda c: (c.isupper(), c)))
    if len(set(out)) != len(out):
        raise RuntimeError(f"einsum: output subscript {out!r} repeats a letter")
    missing = [c for c in out if not any(c in t for t in spelled)]
    if missing:
        raise RuntimeError(f"einsum: output letters {missing} do not appear in any operand of {equation!r}")
    return spelled, out


def _clean(xs, subs, out, equation):
    from .layout import diagonal

    sizes = {}
    for x, t in zip(xs, subs):
        for c, s in zip(t, x.shape):
            if s != 1 and sizes.get(c, 1) not in (1, s):
                raise RuntimeError(f"einsum: letter {c!r} has sizes {sizes[c]} and {s} in {equation!r} "
                                   f"(shapes {[tuple(y.shape) for y in xs]})")
            sizes[c] = s if s != 1 else sizes.get(c, 1)
    xs, subs = list(xs), list(subs)
    for k, (x, t) in enumerate(zip(xs, subs)):
        while len(set(t)) != len(t):
            c = next(c for c in t if t.count(c) > 1)
            p = t.index(c)
            q = t.index(c, p + 1)
            if x.shape[p] != x.shape[q]:
                raise RuntimeError(f"einsum: repeated letter {c!r} of {t!r} spans dims of sizes "
                                   f"{x.shape[p]} and {x.shape[q]}")
            x = diagonal(x, 0, p, q)
            t = "".join(ch for i, ch in enumerate(t) if i not in (p, q)) + c
        target = tuple(sizes[c] for c in t)
        if tuple(x.shape) != target:
            x = BroadcastTo.apply(x, target)
        lonely = [i for i, c in enumerate(t) if c not in out and not any(c in u for j, u in enumerate(subs) if j != k)]
        if lonely:
            x = Sum.apply(x, tuple(lonely), False)
            t = "".join(c for i, c in enumerate(t) if i not in lonely)
        xs[k], subs[k] = x, t
    return xs, subs


def einsum(equation, *operands):
    """torch.einsum(equation, *operands) (operands may also come as one list)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not operands:
        raise RuntimeError("einsum: needs at least one operand")
    xs = [operand(x) for x in operands]
    xs = [x if isinstance(x, Tensor) else Tensor._wrap(get_array_module(x).asarray(x)) for x in xs]
    check_same_device("einsum", *xs)
    if len({x.dtype for x in xs}) > 1:
        raise RuntimeError(f"einsum: operands must have the same dtype, got {[str(x.dtype) for x in xs]}")
    subs, out = _parse(equation, xs)
    xs, subs = _clean(xs, subs, out, equation)
    return Einsum.apply(*xs, subs=tuple(subs), out=out)
