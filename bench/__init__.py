"""Kiln's benchmark suite: ``python -m bench``.

It measures the device's ceilings (float32 matmul rate, copy bandwidth), times every registered case
(median and min of N repeats after warm-up, interleaved with its NumPy / CuPy / PyTorch references in the
same process) and reports achieved GFLOP/s or GB/s as a percentage of the roofline ceiling, plus the time
ratio to each reference.  Modules:

- ``registry``   the :class:`Case` record and the adapter that accepts other modules' case dicts
- ``work``       FLOP and byte counts computed from shapes (matmul, conv, pooling, training steps)
- ``timing``     repeat/median/min measurement on CPU (perf_counter) and GPU (CUDA events)
- ``ceilings``   the device's matmul rate and copy bandwidth
- ``optional``   guarded imports of PyTorch and CuPy (both optional)
- ``nets``       the benchmark networks, built once for Kiln's ``nn`` and once for ``torch.nn``
- ``cases_*``    the cases; ``discovery`` finds them
- ``runner``     runs cases and references and collects results
- ``report``     text table, markdown, and JSON (schema in its docstring)
"""
