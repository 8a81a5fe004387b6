"""Random draws with torch's signatures: ``normal`` (its four overloads), ``bernoulli``, ``multinomial``,
``poisson`` and the in-place ``x.bernoulli_``, ``x.exponential_``, ``x.random_``.

Numbers come from the generator that ``engine.random.rng_of`` picks (``generator=`` an ``engine.Generator``;
without it the default one that ``engine.manual_seed`` seeds), are drawn on the host and moved to the input's
device.  The same seed gives the same numbers in Kiln, not torch's numbers (the algorithms differ).  Draws are
not differentiable: torch's gradient of ``normal`` with respect to mean and std is zero, and Kiln's results do
not require grad.  Invalid parameters raise torch's errors before anything is drawn or written.
"""
from __future__ import annotations

import numpy as np

from .. import inplace as _inplace
from ..backend import to_device, to_numpy
from ..random import rng_of
from ..tensor import Tensor
from ._util import operand


def _host(x):
    return to_numpy(x.array) if isinstance(x, Tensor) else np.asarray(x)


def _result(arr, like_device, dtype):
    return Tensor._wrap(to_device(np.asarray(arr).astype(dtype, copy=False), like_device))


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False):
    """Samples of N(mean, std^2): ``mean``/``std`` tensors (broadcast together) or floats; with two floats
    ``size`` gives the shape (and ``dtype``/``device``/``requires_grad`` apply, as in torch's factory form)."""
    m_tensor, s_tensor = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (m_tensor or s_tensor):
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float): give "
                            "size= when mean and std are both numbers")
        if float(std) < 0:
            raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
        shape = (int(size),) if isinstance(size, (int, np.integer)) else tuple(int(s) for s in size)
        arr = rng_of(generator).normal(float(mean), float(std), size=shape)
        from ..creation import _make

        return _make(np.asarray(arr), dtype, device, requires_grad)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if s_tensor and bool((_host(std) < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not s_tensor and float(std) < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    m, s = _host(mean), _host(std)
    try:
        shape = np.broadcast_shapes(m.shape, s.shape)
    except ValueError:
        raise RuntimeError(f"normal: the shapes of mean {tuple(m.shape)} and std {tuple(s.shape)} cannot be "
                           "broadcast together") from None
    out_dtype = np.result_type(*[t.dtype for t in tensors])
    if out_dtype.kind != "f":
        raise RuntimeError(f"normal: mean and std must be floating-point tensors, got {out_dtype}")
    arr = m + s * rng_of(generator).standard_normal(shape)
    return _result(arr, tensors[0].device, out_dtype)


def _check_probability(name, p):
    if not 0 <= float(p) <= 1:
        raise RuntimeError(f"{name} expects p to be in [0, 1], but got p={p:g}")


def bernoulli(input, p=None, *, generator=None):  # noqa: A002  (torch's argument names)
    """0/1 draws (``input``'s dtype and shape), 1 with probability ``input`` (or ``p`` for every element)."""
    x = operand(input)
    if p is not None:
        _check_probability("bernoulli_", p)
        probs = np.full(tuple(x.shape), float(p))
    else:
        if x.dtype.kind != "f":
            raise NotImplementedError(f"bernoulli: probabilities must be a floating-point tensor, got {x.dtype}")
        probs = _host(x)
        if not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("bernoulli: Expected p_in >= 0 && p_in <= 1 to be true, but got false (every "
                               "probability must be in [0, 1])")
    return _result(rng_of(generator).random(probs.shape) < probs, x.device, x.dtype)


def bernoulli_(input, p=0.5, *, generator=None):  # noqa: A002
    """Fill ``input`` in place with 0/1 draws, 1 with probability ``p`` (a float or a tensor broadcast to it)."""
    if isinstance(p, Tensor):
        probs = _host(p)
        if not bool(((probs >= 0) & (probs <= 1)).all()):
            raise RuntimeError("bernoulli_: Expected p_in >= 0 && p_in <= 1 to be true, but got false")
        try:
            probs = np.broadcast_to(probs, tuple(input.shape))
        except ValueError:
            raise RuntimeError(f"bernoulli_: p of shape {tuple(p.shape)} cannot be broadcast to the tensor's shape "
                               f"{tuple(input.shape)}") from None
    else:
        _check_probability("bernoulli_", p)
        probs = np.full(tuple(input.shape), float(p))
    draws = rng_of(generator).random(probs.shape) < probs
    return _inplace.overwrite(input, "bernoulli_", draws.astype(input.dtype))


def multinomial(input, num_samples, replacement=False, *, generator=None):  # noqa: A002
    """``num_samples`` category indexes per row of 1-d/2-d ``input`` (non-negative weights, not necessarily
    normalised).  Without replacement each index appears once (categories of weight 0 come last, as torch)."""
    x = operand(input)
    if x.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {x.dtype}")
    if x.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim (got shape {tuple(x.shape)})")
    n = int(num_samples)
    k = x.shape[-1]
    if n <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and n > k:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"(n_sample {n}, {k} categories)")
    if k > 2 ** 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    w = _host(x).astype(np.float64).reshape(-1, k)
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    totals = w.sum(axis=1, keepdims=True)
    if (totals <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    rng = rng_of(generator)
    if replacement:
        cdf = np.cumsum(w / totals, axis=1)
        u = rng.random((w.shape[0], n))
        out = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        last_positive = k - 1 - np.argmax(w[:, ::-1] > 0, axis=1)  # where u beyond a rounded-down total goes
        out = np.minimum(out, last_positive[:, None])
    else:  # the n smallest of E_i / w_i (E_i ~ Exp(1)): a draw without replacement proportional to w
        with np.errstate(divide="ignore"):
            keys = rng.standard_exponential(w.shape) / w
        out = np.argsort(keys, axis=1, kind="stable")[:, :n]
    out = out.reshape(tuple(x.shape[:-1]) + (n,))
    return _result(out, x.device, np.int64)


def poisson(input, generator=None):  # noqa: A002
    """Poisson draws with rates ``input`` (``input``'s dtype and shape)."""
    x = operand(input)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"poisson: rates must be a floating-point tensor, got {x.dtype}")
    rates = _host(x)
    if not bool((rates >= 0).all()):
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _result(rng_of(generator).poisson(rates), x.device, x.dtype)


def exponential_(input, lambd=1.0, *, generator=None):  # noqa: A002
    """Fill ``input`` in place with draws of the exponential distribution of rate ``lambd``."""
    if not float(lambd) > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    draws = rng_of(generator).exponential(1.0 / float(lambd), size=tuple(input.shape))
    return _inplace.overwrite(input, "exponential_", np.asarray(draws).astype(input.dtype))


def _dtype_top(dtype) -> int:
    """The largest value ``random_()`` draws for ``dtype`` (inclusive): 2^mantissa for floats, as torch."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return 1
    if dtype.kind == "f":
        return 2 ** (np.finfo(dtype).nmant + 1)
    return int(np.iinfo(dtype).max)


def _random_bounds(top, bounds, to, from_kw):
    """``random_``'s [low, high) from torch's overloads: (), (to), (from, to); ``from``/``to`` also as keywords."""
    unknown = set(from_kw) - {"from"}
    if unknown or len(bounds) + len(from_kw) > 2 - (to is not None) or (from_kw and to is None and not bounds):
        raise TypeError(f"random_() received an invalid combination of arguments: positional {bounds}, "
                        f"keywords {sorted(from_kw) + (['to'] if to is not None else [])}; expected (), (to) or "
                        "(from, to)")
    given = ([from_kw["from"]] if from_kw else []) + list(bounds) + ([to] if to is not None else [])
    if not given:
        return 0, top + 1
    if len(given) == 1:
        return 0, int(given[0])
    return int(given[0]), top + 1 if given[1] is None else int(given[1])


def random_(input, *bounds, to=None, generator=None, **from_kw):  # noqa: A002
    """Fill ``input`` in place with integers: ``random_()`` in [0, top] (top: 2^mantissa for floats, the
    dtype's maximum for integers), ``random_(to)`` in [0, to), ``random_(from, to)`` in [from, to)
    (``to=None``: up to top).  ``from`` is a Python keyword: pass it positionally or as ``**{"from": f}``."""
    top = _dtype_top(input.dtype)
    low, high = _random_bounds(top, bounds, to, from_kw)
    high = min(high, 2 ** 63 - 1)  # int64's maximum itself is left out: NumPy draws below an int64 bound
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    rng = rng_of(generator)
    integers = getattr(rng, "integers", None) or rng.randint
    draws = integers(low, high, size=tuple(input.shape), dtype=np.int64)
    return _inplace.overwrite(input, "random_", np.asarray(draws).astype(input.dtype))
