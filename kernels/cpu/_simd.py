"""Explicit SIMD vectors for register-tiled CPU micro-kernels (Numba + llvmlite).

LLVM vectorises Numba's inner loops well when they run over contiguous memory, but it does not keep a
tile of accumulators in registers across a reduction loop (its SLP pass left a 4 x 16 tile of scalar
accumulators scalar: 3.3 ms where the vector version below takes 0.35).  This module gives Numba a
value type that *is* an LLVM vector, ``<LANES x float>`` or ``<LANES x double>``, and four
intrinsics on it.  Vector values live in SSA registers like any scalar, so a kernel that keeps a few
of them as loop variables gets a register tile, and LLVM's backend picks the instructions (AVX-512,
AVX2 or SSE, whatever the host has; a 16-lane float32 vector is one zmm register or two ymm).

- ``vload(a, i)``: ``a[i : i + LANES]`` of a contiguous 1-D array as a vector (unaligned load);
- ``vstore(a, i, v)``: the reverse;
- ``vfma(acc, s, v)``: ``acc + s * v`` with the scalar ``s`` broadcast to every lane (a fused
  multiply-add where the target has one; ``fastmath``-style contraction);
- the vector's element type is the array's (float32 or float64);
- ``vfma4``, ``vload4``, ``vstore4``: the same on four vectors at once, the rows of the 4-wide register
  tiles the micro-kernels keep (inlined into them by Numba).

No bounds checks: callers index within their arrays (the kernels pad their operands to ``LANES``).
"""
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, models, register_model

#: lanes per vector: one 512-bit register of float32
LANES = 16


class Vec(types.Type):
    """A ``LANES``-wide SIMD vector of ``dtype`` (a Numba float type), held in registers."""

    def __init__(self, dtype):
        self.dtype = dtype
        super().__init__(name=f"Vec({dtype}x{LANES})")


@register_model(Vec)
class _VecModel(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):
        super().__init__(dmm, fe_type, ir.VectorType(dmm.lookup(fe_type.dtype).get_value_type(), LANES))


def _vector_pointer(context, builder, arr_type, arr, index):
    """Pointer to ``arr[index]`` cast to a pointer to a vector of the array's element type."""
    data = context.make_array(arr_type)(context, builder, arr).data
    element = context.get_value_type(arr_type.dtype)
    return builder.bitcast(cgutils.gep(builder, data, index), ir.PointerType(ir.VectorType(element, LANES)))


def _check_array(arr, name):
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.dtype in (types.float32, types.float64)):
        raise TypeError(f"{name}: expected a 1-D float32 or float64 array, got {arr}")


@intrinsic
def vload(typingctx, arr, index):
    """The vector ``arr[index : index + LANES]``."""
    _check_array(arr, "vload")

    def codegen(context, builder, sig, args):
        ptr = _vector_pointer(context, builder, sig.args[0], args[0], args[1])
        return builder.load(ptr, align=arr.dtype.bitwidth // 8)

    return Vec(arr.dtype)(arr, types.intp), codegen


@intrinsic
def vstore(typingctx, arr, index, vec):
    """``arr[index : index + LANES] = vec``."""
    _check_array(arr, "vstore")
    if not isinstance(vec, Vec) or vec.dtype != arr.dtype:
        raise TypeError(f"vstore: a {arr.dtype} array takes a Vec of {arr.dtype}, got {vec}")

    def codegen(context, builder, sig, args):
        ptr = _vector_pointer(context, builder, sig.args[0], args[0], args[1])
        builder.store(args[2], ptr, align=arr.dtype.bitwidth // 8)
        return context.get_dummy_value()

    return types.none(arr, types.intp, vec), codegen


@intrinsic
def vfma(typingctx, acc, scalar, vec):
    """``acc + scalar * vec``, the scalar broadcast to every lane."""
    if not (isinstance(acc, Vec) and acc == vec):
        raise TypeError(f"vfma: accumulator {acc} and vector {vec} must be the same Vec type")

    def codegen(context, builder, sig, args):
        acc_, s, v = args
        s = context.cast(builder, s, sig.args[1], acc.dtype)
        vt = v.type
        lane0 = builder.insert_element(ir.Constant(vt, ir.Undefined), s, ir.Constant(ir.IntType(32), 0))
        splat = builder.shuffle_vector(lane0, ir.Constant(vt, ir.Undefined),
                                       ir.Constant(ir.VectorType(ir.IntType(32), LANES), [0] * LANES))
        product = builder.fmul(splat, v, flags=("contract", "reassoc"))
        return builder.fadd(acc_, product, flags=("contract", "reassoc"))

    return acc(acc, scalar, vec), codegen


@njit(inline="always")
def vfma4(a0, a1, a2, a3, x0, x1, x2, x3, v):
    """A 4 x 1 register tile's multiply-add: ``(a0 + x0 * v, ..., a3 + x3 * v)`` (four scalars, one vector)."""
    return vfma(a0, x0, v), vfma(a1, x1, v), vfma(a2, x2, v), vfma(a3, x3, v)


@njit(inline="always")
def vload4(a, at, step):
    """The four vectors at ``a[at]``, ``a[at + step]``, ``a[at + 2 * step]``, ``a[at + 3 * step]``."""
    return vload(a, at), vload(a, at + step), vload(a, at + 2 * step), vload(a, at + 3 * step)


@njit(inline="always")
def vstore4(a, at, step, v0, v1, v2, v3):
    """The reverse of ``vload4``: store four vectors ``step`` apart from ``a[at]``."""
    vstore(a, at, v0)
    vstore(a, at + step, v1)
    vstore(a, at + 2 * step, v2)
    vstore(a, at + 3 * step, v3)
