"""A shared-memory tiled float32 matmul kernel (Numba CUDA), held against cuBLAS in ``bench``.

Each 16x16 thread block computes one 16x16 tile of ``C = A @ B``, walking K in 16-wide steps through two
shared-memory tiles (the textbook kernel).  cuBLAS is several times faster on real GPUs; dispatch keeps
CuPy's matmul (cuBLAS) for the engine and this kernel exists for the benchmark comparison.
"""
from numba import cuda, float32

from kernels.cuda._launch import stream_of

TILE = 16


@cuda.jit
def _tiled(a, b, c):
    sa = cuda.shared.array((TILE, TILE), float32)
    sb = cuda.shared.array((TILE, TILE), float32)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    row = cuda.blockIdx.y * TILE + ty
    col = cuda.blockIdx.x * TILE + tx
    M, K = a.shape
    N = b.shape[1]
    acc = float32(0.0)
    for k0 in range(0, K, TILE):
        sa[ty, tx] = a[row, k0 + tx] if row < M and k0 + tx < K else float32(0.0)
        sb[ty, tx] = b[k0 + ty, col] if col < N and k0 + ty < K else float32(0.0)
        cuda.syncthreads()
        for k in range(TILE):
            acc += sa[ty, k] * sb[k, tx]
        cuda.syncthreads()
    if row < M and col < N:
        c[row, col] = acc


def matmul_tiled(a, b, out):
    """``out[...] = a @ b`` for C-contiguous float32 (M, K) and (K, N) arrays."""
    M, N = out.shape
    blocks = ((N + TILE - 1) // TILE, (M + TILE - 1) // TILE)
    _tiled[blocks, (TILE, TILE), stream_of(a)](a, b, out)
