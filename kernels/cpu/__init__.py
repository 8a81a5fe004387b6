"""CPU twins of the kernels: NumPy and Numba ``@njit`` loops.

No kernel here uses Numba's ``parallel=True``: the kernels are ``nogil`` loops over task ranges, and
``kernels.cpu._threads`` shares the tasks (or whole chunks of a batch) out over a small thread pool.
Numba's own parallel runtime is then never entered, so kernels may run from several Python threads at
once, and no spinning OpenMP workers compete with OpenBLAS's threads (with them, a convolution that
alternates layout kernels and GEMMs ran 3-10x slower on a 2-core machine).
"""
