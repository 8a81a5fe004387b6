"""Two realistic Numba-CUDA kernels for bench's launch-overhead figures (imported only when they run).

Launch cost from Python grows with the number of array arguments (Numba marshals each one: its
``__cuda_array_interface__``, shape, strides and pointer), so a 1-argument no-op understates what Kiln's
kernels pay.  These two have the argument counts of Kiln's real ones, over a grid-stride loop in float32
arithmetic, as every elementwise Kiln kernel is written:

- ``adam_like`` (5 arrays: p, g, exp_avg, exp_avg_sq, max_exp_avg_sq), an AMSGrad update as the fused
  optimiser kernels do it;
- ``bn_backward_like`` (8 arrays: gx, gy, x, mean, invstd, weight, sum_dy, sum_dy_xmu), batch norm's
  input-gradient pass with per-channel statistics, as kernels/cuda/batchnorm.py's backward does it.
"""
import math

from numba import cuda, float32


@cuda.jit
def adam_like(p, g, m, v, vmax):
    for i in range(cuda.grid(1), p.size, cuda.gridsize(1)):
        gi = g[i]
        m[i] = float32(0.9) * m[i] + float32(0.1) * gi
        v[i] = float32(0.999) * v[i] + float32(0.001) * gi * gi
        vmax[i] = max(vmax[i], v[i])
        p[i] -= float32(1e-3) * m[i] / (math.sqrt(vmax[i]) + float32(1e-8))


@cuda.jit
def bn_backward_like(gx, gy, x, mean, invstd, weight, sum_dy, sum_dy_xmu):
    C = mean.size
    inv_n = float32(1.0) / float32(gx.size // C)
    for i in range(cuda.grid(1), gx.size, cuda.gridsize(1)):
        c = i % C
        xhat = (x[i] - mean[c]) * invstd[c]
        gx[i] = weight[c] * invstd[c] * (gy[i] - inv_n * sum_dy[c] - inv_n * xhat * invstd[c] * sum_dy_xmu[c])
