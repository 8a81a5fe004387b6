"""CPU twins of the kernels: NumPy and Numba ``@njit`` (parallel over 2+ cores where it pays).

Numba's parallel loops use the ``workqueue`` threading layer unless ``NUMBA_THREADING_LAYER`` says
otherwise: its workers sleep between launches, while OpenMP workers spin and starve OpenBLAS's threads
(and PyTorch's, in the same process) — a convolution alternates kernels and GEMMs chunk by chunk, and
with spinning OpenMP it ran 3-10x slower on a 2-core machine.  Caveat: ``workqueue`` must not be
entered from two Python threads at once.
"""
import os

import numba

if "NUMBA_THREADING_LAYER" not in os.environ:
    numba.config.THREADING_LAYER = "workqueue"
