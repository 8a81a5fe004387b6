"""A shared-memory tiled float32 matmul kernel (Numba CUDA), held against cuBLAS in ``bench``.

Each 16x16 thread block computes one 16x16 tile of ``C = A @ B``, walking K in 16-wide steps through two
shared-memory tiles (the textbook kernel).  cuBLAS is several times faster on real GPUs; dispatch keeps
CuPy's matmul (cuBLAS) for the engine and this kernel exists for the benchmark comparison.

The grid's y dimension (row tiles) is capped by the hardware at 65,535 blocks, i.e. 1,048,560 rows: taller
products run in several launches over row bands (``row0`` is the band's first row).  The accumulator is
float32, the input dtype.
"""
from numba import cuda, float32

from kernels.cuda._launch import MAX_GRID_X, MAX_GRID_YZ, launch_kernel

TILE = 16


@cuda.jit(cache=True)
def _tiled(a, b, c, row0):
    sa = cuda.shared.array((TILE, TILE), float32)
    sb = cuda.shared.array((TILE, TILE), float32)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    row = row0 + cuda.blockIdx.y * TILE + ty
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


def row_bands(m, max_row_blocks=None):
    """``(first_row, row_blocks)`` launches covering ``m`` rows, each grid within the y limit."""
    band = (MAX_GRID_YZ if max_row_blocks is None else max_row_blocks) * TILE
    return [(r0, (min(m, r0 + band) - r0 + TILE - 1) // TILE) for r0 in range(0, m, band)]


def matmul_tiled(a, b, out):
    """``out[...] = a @ b`` for C-contiguous float32 (M, K) and (K, N) arrays; M, N > 0 (the wrapper in
    ``kernels/__init__.py`` handles empty products)."""
    M, N = out.shape
    col_blocks = (N + TILE - 1) // TILE
    if col_blocks > MAX_GRID_X:
        raise ValueError(f"matmul_tiled: {N} columns need {col_blocks} blocks, over the limit {MAX_GRID_X}")
    for row0, row_blocks in row_bands(M):
        launch_kernel(_tiled, (col_blocks, row_blocks), (TILE, TILE), a, a, b, out, row0)
