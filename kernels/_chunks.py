"""How the convolution walks through a batch: chunks of output rows under a memory budget.

The column buffer of a convolution holds ``kh * kw * C`` values per output pixel, so for a whole batch
it easily dwarfs the input.  ``plan_chunks`` cuts the flattened output rows ``r = n * OH + oh`` into
chunks whose column buffer stays under a byte target: whole samples when at least one fits, else a few
rows of one sample at a time.  The target is ``min(memory budget, device preference)``: on the CPU a
few MiB, so that the buffer stays in cache between im2col and the GEMM (measurably faster); on the
GPU the full budget, so each GEMM is large.

``set_memory_budget(nbytes)`` changes the budget (default 256 MiB) process-wide.
"""

_DEFAULT_BUDGET = 256 * 2**20
_budget = _DEFAULT_BUDGET


def set_memory_budget(nbytes: int) -> None:
    """Cap the bytes of one column buffer (im2col chunk); ``None`` restores the 256 MiB default."""
    global _budget
    if nbytes is None:
        _budget = _DEFAULT_BUDGET
        return
    nbytes = int(nbytes)
    if nbytes <= 0:
        raise ValueError(f"set_memory_budget: budget must be positive, got {nbytes}")
    _budget = nbytes


def get_memory_budget() -> int:
    """The current cap on one column buffer, in bytes."""
    return _budget


def plan_chunks(n, oh, row_bytes, target_bytes, min_groups=1):
    """Yield ``(n0, n1, [(r0, r1), ...])``: sample groups and the output-row chunks inside each.

    ``row_bytes`` is the column-buffer size of one output row.  A group is either several whole samples
    (one row chunk spanning all of them) or one sample cut into several row chunks.  Samples are
    spread over at least ``min_groups`` groups where there are that many (one per CPU thread).
    """
    rows = max(1, int(target_bytes) // max(1, int(row_bytes)))
    if rows >= oh:
        per = max(1, min(rows // oh, -(-n // max(1, min_groups))))  # >= 1: no samples (n == 0) is no chunk
        for n0 in range(0, n, per):
            n1 = min(n, n0 + per)
            yield n0, n1, [(n0 * oh, n1 * oh)]
    else:
        for s in range(n):
            base = s * oh
            yield s, s + 1, [(base + a, base + min(oh, a + rows)) for a in range(0, oh, rows)]


def max_chunk_rows(n, oh, row_bytes, target_bytes):
    """The largest number of output rows any chunk of ``plan_chunks`` holds (to size buffers)."""
    return max((r1 - r0 for _, _, chunks in plan_chunks(n, oh, row_bytes, target_bytes) for r0, r1 in chunks),
               default=0)
