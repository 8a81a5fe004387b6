"""Shared helpers of the CUDA-twin tests: one call on the CPU twin with host arrays and on the CUDA twin with
device arrays on a non-default stream; and a real GPU or a skip.

The device arrays are what the kernels receive in a real run: CuPy arrays where a GPU answers, else the
simulated device's stand-in (engine/_cuda_sim.py), whose ``__kiln_device_array__`` marker makes
``kernels/__init__.py`` dispatch to the Numba-CUDA twins (run by Numba's simulator).  The call runs inside
``with xp.cuda.Stream(non_blocking=True):`` and a spy on the launch helper's ``stream_of`` checks that
every kernel launch ran on that stream, so no twin test passes through implicit copies on stream 0.
"""
import pytest

import kernels
from tests.conftest import GPU_AVAILABLE


def device_module():
    """``cupy`` where a GPU answers, else the simulated device's CuPy stand-in (engine/_cuda_sim.py)."""
    if GPU_AVAILABLE:
        import cupy

        return cupy
    import engine._cuda_sim as stand_in

    return stand_in


def both(monkeypatch, fn, *arrays, min_launches=1):
    """``(fn(*arrays), fn(*device arrays))``: the CPU twin's result and the CUDA twin's, the latter copied back
    to host NumPy arrays (``None`` and non-array items kept).  The device call runs on a fresh non-blocking
    stream; it must launch at least ``min_launches`` kernels, every one of them on that stream."""
    from kernels.cuda import _launch

    xp = device_module()
    stream = xp.cuda.Stream(non_blocking=True)
    with stream:  # the copies on the stream too: a non-blocking stream does not wait for the null stream
        dev = [xp.asarray(a) if kernels.is_host_array(a) else a for a in arrays]  # before fn updates in place
    cpu = fn(*arrays)
    launched = []
    real_stream_of = _launch.stream_of
    monkeypatch.setattr(_launch, "stream_of", lambda a: launched.append(real_stream_of(a)) or launched[-1])
    try:
        with stream:
            assert xp.cuda.get_current_stream().ptr == stream.ptr != 0
            gpu = fn(*dev)
        stream.synchronize()
    finally:
        monkeypatch.undo()
    expected = _launch._streams.get(stream.ptr)
    assert len(launched) >= min_launches, f"{len(launched)} kernel launches, expected at least {min_launches}"
    assert all(s is expected for s in launched), f"launches on {set(map(repr, launched))}, not on {stream!r}"
    return cpu, _to_host(xp, gpu)


def _to_host(xp, out):
    if isinstance(out, tuple):
        return tuple(_to_host(xp, o) for o in out)
    return xp.asnumpy(out) if kernels._on_gpu(out) else out


def cupy_or_skip():
    """The ``cupy`` module when a CUDA GPU answers; otherwise the test is skipped."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
    except Exception:
        pass
    pytest.skip("needs CuPy and a CUDA GPU")
