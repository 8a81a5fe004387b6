"""Device-side error flags: how a CUDA kernel reports bad data (a label out of range) without the host
reading the device.

Each GPU gets one ``(3,)`` int64 buffer in host-mapped (zero-copy) memory, allocated once: a kernel that
meets bad data writes ``(code, a, b)`` into it (``code`` from ``kernels``, e.g. ``LABEL_OUT_OF_RANGE``
with the offending label and the class count), and the host reads it with a plain load from its own
memory — no copy, no synchronisation of its own.  The engine reads it right after each read from the
device that the user asks for (``.item()``, ``.numpy()``, ``print``), which has synchronised the stream
the kernels ran on, so every flag written before that point is visible: the error is raised there, as
torch raises a CUDA device-side assert at the next synchronising call.  Under Numba's simulator the
buffer is the simulator's mapped array (a NumPy array underneath).
"""
import numpy as np
from numba import cuda

_flags = {}  # device id -> (the array kernels are handed, its host view)


def flags_for(ref):
    """The mapped flag buffer of the GPU that holds array ``ref`` (zeroed when first allocated)."""
    dev = ref.device.id
    pair = _flags.get(dev)
    if pair is None:
        with cuda.gpus[dev]:
            buf = cuda.mapped_array(3, np.int64)
        host = buf.view(np.ndarray) if isinstance(buf, np.ndarray) else buf._ary  # simulator: a FakeCUDAArray
        host[:] = 0
        pair = _flags[dev] = (buf, host)
    return pair[0]


def take():
    """``[(code, a, b), ...]`` of every GPU whose flags are set; clears them."""
    found = []
    for _, host in _flags.values():
        if host[0]:
            found.append((int(host[0]), int(host[1]), int(host[2])))
            host[:] = 0
    return found
