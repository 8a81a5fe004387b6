"""Variable-length sequences for the recurrent layers, as ``torch.nn.utils.rnn``: ``PackedSequence``,
``pad_sequence``, ``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence`` and their
inverses ``unpad_sequence``/``unpack_sequence``.

A ``PackedSequence`` holds the time steps of a batch of sequences, longest first, one after another:
``data`` (sum of lengths, *) holds step 0 of every sequence, then step 1 of those still running, and
so on; ``batch_sizes`` (int64, one per step) says how many sequences run at each step;
``sorted_indices``/``unsorted_indices`` map between the caller's batch order and the length-sorted one
(None when the batch came sorted, ``enforce_sorted=True``).  ``RNN``/``LSTM``/``GRU`` accept one and
return their output packed the same way.  Every function here is built from differentiable indexing
and concatenation, so gradients flow from packed outputs back to padded inputs.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

import engine
from engine import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence", "invert_permutation", "packed_positions", "padded_from_packed"]


class PackedSequence(NamedTuple):
    """``(data, batch_sizes, sorted_indices, unsorted_indices)``; see the module docstring."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args, **kwargs) -> "PackedSequence":
        """The same sequence with ``data`` moved/cast like ``Tensor.to`` (the index tensors stay)."""
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self) -> bool:
        return self.data.device.type == "cuda"


def invert_permutation(perm):
    """The permutation that undoes ``perm`` (an int64 Tensor or None)."""
    if perm is None:
        return None
    p = np.asarray(perm.numpy() if isinstance(perm, Tensor) else perm, dtype=np.int64)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size, dtype=np.int64)
    return engine.tensor(inv, dtype=np.int64)


def _lengths(lengths, name):
    arr = np.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
    if arr.ndim != 1 or arr.dtype.kind not in "iu" and not (arr.dtype.kind == "f" and np.all(arr == np.round(arr))):
        raise ValueError(f"{name}: lengths must be a 1-d list or tensor of integers, got {arr!r}")
    return arr.astype(np.int64)


def packed_positions(batch_sizes):
    """(time index, batch index) of every row of a packed ``data``, in packed order (NumPy int64 arrays)."""
    bs = np.asarray(batch_sizes.numpy() if isinstance(batch_sizes, Tensor) else batch_sizes, dtype=np.int64)
    t_idx = np.repeat(np.arange(bs.size, dtype=np.int64), bs)
    b_idx = np.concatenate([np.arange(n, dtype=np.int64) for n in bs]) if bs.size else np.zeros(0, np.int64)
    return t_idx, b_idx


def padded_from_packed(data, batch_sizes, padding_value=0.0, total_length=None):
    """Time-major (T, B, *) tensor of a packed ``data`` (sorted batch order), padded with ``padding_value``."""
    bs = np.asarray(batch_sizes.numpy() if isinstance(batch_sizes, Tensor) else batch_sizes, dtype=np.int64)
    T = bs.size if total_length is None else int(total_length)
    B = int(bs[0]) if bs.size else 0
    t_idx, b_idx = packed_positions(bs)
    rows = np.full((T, B), data.shape[0], dtype=np.int64)  # the padding row, appended below
    rows[t_idx, b_idx] = np.arange(data.shape[0], dtype=np.int64)
    pad_row = engine.full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    return engine.concatenate([data, pad_row], axis=0)[rows]


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack tensors of shape (L_i, *) into (max L, B, *) ((B, max L, *) with ``batch_first``), padded."""
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence: received an empty list of sequences")
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    trail = tuple(seqs[0].shape[1:])
    for i, s in enumerate(seqs):
        if s.ndim < 1 or tuple(s.shape[1:]) != trail:
            raise ValueError(f"pad_sequence: sequence {i} has shape {tuple(s.shape)}, but sequence 0 has trailing "
                             f"dims {trail}")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        missing = longest - s.shape[0]
        if missing:
            fill = engine.full((missing,) + trail, padding_value, dtype=s.dtype, device=s.device)
            s = engine.concatenate([s, fill] if padding_side == "right" else [fill, s], axis=0)
        padded.append(s)
    return engine.stack(padded, axis=0 if batch_first else 1)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) ((B, T, *) with ``batch_first``) whose sequences have ``lengths``."""
    name = "pack_padded_sequence"
    lens = _lengths(lengths, name)
    x = input if batch_first else input.swapaxes(0, 1)  # (B, T, *)
    if lens.size != x.shape[0]:
        raise ValueError(f"{name}: {lens.size} lengths for a batch of {x.shape[0]} sequences (input {tuple(input.shape)})")
    if lens.size and lens.min() <= 0:
        raise RuntimeError(f"{name}: length of all samples has to be greater than 0, got lengths {lens.tolist()}")
    if lens.size and lens.max() > x.shape[1]:
        raise ValueError(f"{name}: a length {int(lens.max())} exceeds the {x.shape[1]} padded time steps")
    if enforce_sorted:
        if np.any(np.diff(lens) > 0):
            raise RuntimeError(
                f"{name}: `lengths` array must be sorted in decreasing order when `enforce_sorted` is True, got "
                f"{lens.tolist()}. You can pass `enforce_sorted=False` to pack_padded_sequence and/or "
                "pack_sequence to sidestep this requirement if you do not need ONNX exportability."
            )
        order, sorted_idx = np.arange(lens.size), None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_idx = engine.tensor(order.astype(np.int64), dtype=np.int64)
    lens_sorted = lens[order]
    batch_sizes = np.array([(lens_sorted > t).sum() for t in range(int(lens_sorted[0]) if lens.size else 0)],
                           dtype=np.int64)
    t_idx, b_idx = packed_positions(batch_sizes)
    data = x[order[b_idx], t_idx]
    return PackedSequence(data, engine.tensor(batch_sizes, dtype=np.int64), sorted_idx, invert_permutation(sorted_idx))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """``(padded, lengths)``: the inverse of :func:`pack_padded_sequence`, in the caller's batch order."""
    data, batch_sizes, _, unsorted = sequence
    bs = np.asarray(batch_sizes.numpy(), dtype=np.int64)
    if total_length is not None and total_length < bs.size:
        raise ValueError(f"pad_packed_sequence: total_length {total_length} is less than the longest sequence "
                         f"length {bs.size}")
    padded = padded_from_packed(data, bs, padding_value, total_length)  # (T, B, *) sorted
    lens = np.array([(bs > b).sum() for b in range(int(bs[0]))], dtype=np.int64)
    if unsorted is not None:
        u = unsorted.numpy()
        padded = padded[:, u]
        lens = lens[u]
    if batch_first:
        padded = padded.swapaxes(0, 1)
    return padded, engine.tensor(lens, dtype=np.int64)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of (L_i, *) tensors (longest first unless ``enforce_sorted=False``)."""
    seqs = list(sequences)
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of (L_i, *) tensors that :func:`pad_sequence` padded (the inverse of it)."""
    lens = _lengths(lengths, "unpad_sequence")
    x = padded_sequences if batch_first else padded_sequences.swapaxes(0, 1)
    if lens.size != x.shape[0] or (lens.size and lens.max() > x.shape[1]):
        raise ValueError(f"unpad_sequence: lengths {lens.tolist()} do not fit padded sequences of shape "
                         f"{tuple(padded_sequences.shape)} (batch_first={batch_first})")
    return [x[i, :n] for i, n in enumerate(lens.tolist())]


def unpack_sequence(packed_sequences):
    """The list of (L_i, *) tensors, in the caller's order, that :func:`pack_sequence` packed."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
