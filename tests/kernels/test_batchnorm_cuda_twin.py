"""The CUDA batch-norm kernels against their CPU twin, through the same device-agnostic wrappers.

The CUDA twin gets device arrays on a non-default stream (tests/kernels/_twins.py): the simulated device's
without a GPU, under Numba's CUDA simulator (tiny shapes: it runs each thread in Python); CuPy arrays and
the real kernels with a GPU, where the ``gpu`` test also runs large shapes.
"""
import numpy as np
import pytest

import kernels
from tests.kernels._twins import both, cupy_or_skip


def _close(cpu, gpu, tol):
    assert len(cpu) == len(gpu)
    for u, v in zip(cpu, gpu):
        if u is None:
            assert v is None
            continue
        assert v.dtype == u.dtype and v.shape == u.shape
        np.testing.assert_allclose(np.asarray(v, np.float64), np.asarray(u, np.float64), rtol=tol, atol=tol)


def _data(shape, dtype, seed, offset=0.0):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) + offset).astype(dtype)
    gy = rng.standard_normal(shape).astype(dtype)
    w = rng.uniform(0.5, 1.5, shape[1]).astype(dtype)
    b = rng.standard_normal(shape[1]).astype(dtype)
    return x, gy, w, b


CASES = [((3, 2, 5), np.float64, 0.0, 1e-10), ((4, 3), np.float32, 0.0, 1e-5),
         ((2, 2, 3, 4), np.float32, 0.0, 1e-5), ((2, 3, 7), np.float32, 1e4, 1e-4),
         ((2, 2, 3), np.float16, 0.0, 1e-3)]


@pytest.mark.parametrize("shape,dtype,offset,tol", CASES)
def test_training_matches_cpu(shape, dtype, offset, tol, monkeypatch):
    x, gy, w, b = _data(shape, dtype, 0, offset)

    def run(x, gy, w, b):
        y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
        return (y, mean, var, invstd) + kernels.batch_norm_backward(gy, x, w, mean, invstd, True)

    cpu, gpu = both(monkeypatch, run, x, gy, w, b)
    _close(cpu, gpu, tol)


@pytest.mark.parametrize("shape,dtype,offset,tol", CASES[:3])
def test_evaluation_matches_cpu(shape, dtype, offset, tol, monkeypatch):
    x, gy, w, b = _data(shape, dtype, 1, offset)
    mean = np.linspace(-0.5, 0.5, shape[1]).astype(dtype)
    var = np.linspace(0.5, 2.0, shape[1]).astype(dtype)

    def run(x, gy, w, b, mean, var):
        y, _, _, invstd = kernels.batch_norm_forward(x, w, b, mean, var, 1e-5)
        return (y, invstd) + kernels.batch_norm_backward(gy, x, w, mean, invstd, False)

    cpu, gpu = both(monkeypatch, run, x, gy, w, b, mean, var)
    _close(cpu, gpu, tol)


@pytest.mark.parametrize("training", [True, False])
def test_partial_gradients_and_no_affine_match_cpu(training, monkeypatch):
    x, gy, _, _ = _data((3, 2, 4), np.float64, 2)
    needs = [(True, False, False), (False, True, True)]

    def run(x, gy):
        _, mean, _, invstd = kernels.batch_norm_forward(x)
        return sum((kernels.batch_norm_backward(gy, x, None, mean, invstd, training, *need) for need in needs), ())

    cpu, gpu = both(monkeypatch, run, x, gy)
    _close(cpu, gpu, 1e-10)
    assert [g is not None for g in gpu] == [asked for need in needs for asked in need]


# ---- real GPU, real CuPy arrays ------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("shape", [(128, 16, 32, 32), (64, 40), (3, 5, 7)])
def test_gpu_batch_norm_matches_cpu(shape):
    cp = cupy_or_skip()
    x, gy, w, b = _data(shape, np.float32, 3, 2.0)
    y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
    yg, mg, vg, ig = kernels.batch_norm_forward(cp.asarray(x), cp.asarray(w), cp.asarray(b))
    for u, v in ((y, yg), (mean, mg), (var, vg), (invstd, ig)):
        np.testing.assert_allclose(cp.asnumpy(v), u, rtol=1e-5, atol=1e-5)
    grads = kernels.batch_norm_backward(gy, x, w, mean, invstd, True)
    grads_gpu = kernels.batch_norm_backward(cp.asarray(gy), cp.asarray(x), cp.asarray(w), mg, ig, True)
    for u, v in zip(grads, grads_gpu):
        np.testing.assert_allclose(cp.asnumpy(v), u, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(u).max())))
    ye = kernels.batch_norm_forward(cp.asarray(x), cp.asarray(w), cp.asarray(b), mg, vg, 1e-5)[0]
    np.testing.assert_allclose(cp.asnumpy(ye), y, rtol=1e-5, atol=1e-5)


# ---- the grid: each channel spread over many blocks ------------------------------------------------
def test_channel_chunks_fill_a_132_sm_gpu():
    from kernels.cuda.batchnorm import channel_chunks

    # (128, 16, 32, 32) with 256-thread blocks: 64 blocks per channel, 1024 in all (was 16: one per channel)
    assert channel_chunks(128 * 32 * 32, 16, threads=256, target=1024, per_thread=8) == 64
    assert channel_chunks(100, 16, threads=256, target=1024, per_thread=8) == 1  # too little work to split
    assert channel_chunks(10**6, 4096, threads=256, target=1024, per_thread=8) == 1  # channels fill the GPU
    assert channel_chunks(0, 3, threads=256, target=1024, per_thread=8) == 1


def test_forward_and_backward_launch_several_blocks_per_channel(monkeypatch):
    from kernels.cuda import _launch, batchnorm as cuda_bn

    launches = []
    real = _launch.launch_kernel

    def record(kernel, blocks, threads, ref, *args):
        launches.append((_launch._name(kernel), blocks, threads))
        return real(kernel, blocks, threads, ref, *args)

    x, gy, w, b = _data((2, 3, 10), np.float64, 4)
    monkeypatch.setattr(_launch, "launch_kernel", record)
    monkeypatch.setattr(cuda_bn, "TARGET_BLOCKS", 12)  # 4 blocks per channel at this size
    monkeypatch.setattr(cuda_bn, "MIN_PER_THREAD", 1)

    def run(x, gy, w, b):
        y, mean, var, invstd = kernels.batch_norm_forward(x, w, b)
        return (y, mean, var, invstd) + kernels.batch_norm_backward(gy, x, w, mean, invstd, True)

    cpu, gpu = both(monkeypatch, run, x, gy, w, b)
    _close(cpu, gpu, 1e-12)
    blocks = {name: blk for name, blk, _ in launches}
    assert blocks["_partial_moments"] == 3 * 4 and blocks["_partial_grad_sums"] == 3 * 4
    assert [name for name, _, _ in launches] == ["_partial_moments", "_finalize_forward", "_affine",
                                                 "_partial_grad_sums", "_finalize_backward", "_input_grad"]
