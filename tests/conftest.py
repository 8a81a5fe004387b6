"""Test-wide setup: run Numba CUDA kernels under the simulator when no GPU answers; one BLAS thread.

The simulator must be switched on before ``numba.cuda`` is first imported, so this runs at
collection time, before any test module imports ``kernels``.  A GPU "answers" when CuPy imports
and reports at least one device; then the real kernels are tested on real CuPy arrays instead.
"""
import os

# Tests run as two pytest-xdist workers on two cores; one BLAS thread each avoids oversubscription
# (measured here: a 2-thread OpenBLAS matmul on a loaded 2-core machine ran 10-40x slower).
# Must happen before NumPy is first imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def _gpu_answers() -> bool:
    try:
        import cupy  # noqa: F401

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


GPU_AVAILABLE = _gpu_answers()
if not GPU_AVAILABLE:
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
os.environ.setdefault("NUMBA_CUDA_ARRAY_INTERFACE_SYNC", "0")
