"""Winograd F(2x2, 3x3) tile transforms for 3x3 stride-1 convolutions (CPU, Numba).

A 3x3 convolution computes each 2x2 block of outputs from a 4x4 block of (padded) input.  Winograd's
minimal filtering algorithm F(2x2, 3x3) does that with 16 multiplications instead of 36::

    Y = A^T [ (G w G^T) ⊙ (B^T D B) ] A           (one 4x4 input tile D, one channel pair)

    B^T = [[1, 0,-1, 0],      G = [[ 1,   0,   0 ],     A^T = [[1, 1, 1, 0],
           [0, 1, 1, 0],           [1/2, 1/2, 1/2],            [0, 1,-1,-1]]
           [0,-1, 1, 0],           [1/2,-1/2, 1/2],
           [0, 1, 0,-1]]           [ 0,   0,   1 ]]

Summed over input channels, the 16 element-wise products become 16 GEMMs (``kernels/cpu/conv_winograd.py``):
``M[k] = U[k] @ V[k]`` with ``U[k]`` the (C_out, C) transformed filters and ``V[k]`` the (C, tiles)
transformed input at tile position ``k = 4a + b``.  The backward pass is the same algebra transposed:
with ``Z = A dY A^T`` the transformed output gradient, ``dU[k] = Z[k] @ V[k]^T`` (weight gradient, then
``G^T dU G``) and ``dV[k] = U[k]^T @ Z[k]`` (input gradient, then ``B dV B^T`` per tile, added where
the 4x4 tiles overlap).

The kernels here are the tile transforms.  Each walks one (sample, channel) plane per task, one row of
tiles at a time, and does each transform as a row pass and a column pass over whole rows (vectors over
the tile column ``tw``), which runs several times faster than transforming 4x4 tiles one by one.
Tasks never share an output plane, so every result is deterministic.  A call covers samples
``n0 .. n0 + S - 1`` and the tile rows ``th0 <= th < th1`` of each (a block, so that the tile
buffers stay in a core's cache); layouts:

- ``xq`` / ``gq`` (S, C, 2*TH + 2, 2*TW + 2): the input, zero-padded so every tile reads inside it,
  and the input gradient on the same padded grid;
- ``V`` (16, C, S*R*TW), ``M`` / ``Z`` (16, C_out, S*R*TW) for ``R = th1 - th0`` tile rows, tile
  ``t = (m*R + th - th0)*TW + tw``.

All kernels take ``(..., t0, t1)`` task ranges for ``kernels.cpu._threads.run``.
"""
import numpy as np
from numba import njit

_OPTS = dict(cache=True, nogil=True, error_model="numpy", boundscheck=False)


@njit(**_OPTS)
def pad_planes(x, xq, n0, ph, pw, t0, t1):
    """``xq[m, c]`` = plane ``x[n0 + m, c]`` shifted by (ph, pw) into zeros; tasks are (m, c) planes."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    Hq, Wq = xq.shape[2], xq.shape[3]
    for task in range(t0, t1):
        m = task // C
        c = task - m * C
        d = xq[m, c]
        src = x[n0 + m, c]
        for r in range(Hq):
            h = r - ph
            row = d[r]
            if h < 0 or h >= H:
                row[:] = 0
                continue
            s = src[h]
            for q in range(min(pw, Wq)):
                row[q] = 0
            for q in range(W):
                if pw + q < Wq:
                    row[pw + q] = s[q]
            for q in range(pw + W, Wq):
                row[q] = 0


@njit(**_OPTS)
def input_tiles(xq, V, th0, th1, TW, t0, t1):
    """``V[4a + b, c, t] = (B^T D B)[a, b]`` for the 4x4 tiles D of ``xq`` in tile rows [th0, th1);
    tasks are (m, c) planes."""
    C, Wq = xq.shape[1], xq.shape[3]
    rows = np.empty((4, Wq), xq.dtype)
    ev = np.empty(TW + 1, xq.dtype)
    od = np.empty(TW + 1, xq.dtype)
    for task in range(t0, t1):
        m = task // C
        c = task - m * C
        P = xq[m, c]
        for th in range(th0, th1):
            r0, r1, r2, r3 = P[2 * th], P[2 * th + 1], P[2 * th + 2], P[2 * th + 3]
            for q in range(Wq):  # B^T on the tile rows
                rows[0, q] = r0[q] - r2[q]
                rows[1, q] = r1[q] + r2[q]
                rows[2, q] = r2[q] - r1[q]
                rows[3, q] = r1[q] - r3[q]
            t = (m * (th1 - th0) + th - th0) * TW
            for a in range(4):  # ... and B on the tile columns 2tw .. 2tw + 3 = ev[tw], od[tw], ev[tw+1], od[tw+1]
                ra = rows[a]
                for k in range(TW + 1):
                    ev[k] = ra[2 * k]
                    od[k] = ra[2 * k + 1]
                v0 = V[4 * a, c, t:t + TW]
                v1 = V[4 * a + 1, c, t:t + TW]
                v2 = V[4 * a + 2, c, t:t + TW]
                v3 = V[4 * a + 3, c, t:t + TW]
                for tw in range(TW):
                    v0[tw] = ev[tw] - ev[tw + 1]
                    v1[tw] = od[tw] + ev[tw + 1]
                    v2[tw] = ev[tw + 1] - od[tw]
                    v3[tw] = od[tw] - od[tw + 1]


@njit(**_OPTS)
def output_tiles(M, y, n0, th0, th1, TW, bias, t0, t1):
    """Output rows of tile rows [th0, th1) of ``y[n0 + m, co]`` from the products ``M``: ``A^T M A``
    per tile, plus ``bias[co]``; tasks are (m, co) planes.  Rows/columns past the edge are dropped."""
    Co, OH, OW = y.shape[1], y.shape[2], y.shape[3]
    s = np.empty((4, TW), M.dtype)
    d = np.empty((4, TW), M.dtype)
    for task in range(t0, t1):
        m = task // Co
        co = task - m * Co
        b = bias[co]
        for th in range(th0, th1):
            t = (m * (th1 - th0) + th - th0) * TW
            for j in range(4):  # A^T on the tile rows
                m0 = M[j, co, t:t + TW]
                m1 = M[4 + j, co, t:t + TW]
                m2 = M[8 + j, co, t:t + TW]
                m3 = M[12 + j, co, t:t + TW]
                for tw in range(TW):
                    s[j, tw] = m0[tw] + m1[tw] + m2[tw]
                    d[j, tw] = m1[tw] - m2[tw] - m3[tw]
            for half in range(2):  # ... and A on the tile columns
                oh = 2 * th + half
                if oh >= OH:
                    break
                src = s if half == 0 else d
                row = y[n0 + m, co, oh]
                for tw in range(TW):
                    row[2 * tw] = src[0, tw] + src[1, tw] + src[2, tw] + b
                for tw in range(min(TW, OW // 2)):
                    row[2 * tw + 1] = src[1, tw] - src[2, tw] - src[3, tw] + b


@njit(**_OPTS)
def grad_tiles(gy, Z, n0, th0, th1, TW, t0, t1):
    """``Z[4a + b, co, t] = (A dY A^T)[a, b]`` for each 2x2 tile dY in tile rows [th0, th1) of
    ``gy[n0 + m, co]`` (zeros past the edge); tasks are (m, co) planes."""
    Co, OH, OW = gy.shape[1], gy.shape[2], gy.shape[3]
    g = np.zeros((2, 2 * TW), gy.dtype)
    r = np.empty((4, 2 * TW), gy.dtype)
    for task in range(t0, t1):
        m = task // Co
        co = task - m * Co
        for th in range(th0, th1):
            for half in range(2):
                oh = 2 * th + half
                if oh < OH:
                    src = gy[n0 + m, co, oh]
                    for q in range(OW):
                        g[half, q] = src[q]
                else:
                    g[half, :OW] = 0
            for q in range(2 * TW):  # A on the tile rows
                r[0, q] = g[0, q]
                r[1, q] = g[0, q] + g[1, q]
                r[2, q] = g[0, q] - g[1, q]
                r[3, q] = -g[1, q]
            t = (m * (th1 - th0) + th - th0) * TW
            for a in range(4):  # ... and A^T on the tile columns 2tw, 2tw + 1
                ra = r[a]
                z0 = Z[4 * a, co, t:t + TW]
                z1 = Z[4 * a + 1, co, t:t + TW]
                z2 = Z[4 * a + 2, co, t:t + TW]
                z3 = Z[4 * a + 3, co, t:t + TW]
                for tw in range(TW):
                    e = ra[2 * tw]
                    o = ra[2 * tw + 1]
                    z0[tw] = e
                    z1[tw] = e + o
                    z2[tw] = e - o
                    z3[tw] = -o


@njit(**_OPTS)
def input_grad_tiles(dV, gq, th0, th1, TW, t0, t1):
    """Add ``B dV B^T`` of every tile in tile rows [th0, th1) into the padded input-gradient planes
    ``gq[m, c]`` (4x4 tiles overlapping by two rows/columns); tasks are (m, c) planes."""
    C, Wq = gq.shape[1], gq.shape[3]
    q4 = np.empty((4, Wq), dV.dtype)
    for task in range(t0, t1):
        m = task // C
        c = task - m * C
        plane = gq[m, c]
        for th in range(th0, th1):
            t = (m * (th1 - th0) + th - th0) * TW
            for a in range(4):  # B^T on the tile columns, added where tiles overlap
                v0 = dV[4 * a, c, t:t + TW]
                v1 = dV[4 * a + 1, c, t:t + TW]
                v2 = dV[4 * a + 2, c, t:t + TW]
                v3 = dV[4 * a + 3, c, t:t + TW]
                qa = q4[a]
                qa[0] = v0[0]
                qa[1] = v1[0] - v2[0] + v3[0]
                for tw in range(1, TW):
                    qa[2 * tw] = v0[tw] - v0[tw - 1] + v1[tw - 1] + v2[tw - 1]
                    qa[2 * tw + 1] = v1[tw] - v2[tw] + v3[tw] - v3[tw - 1]
                qa[2 * TW] = -v0[TW - 1] + v1[TW - 1] + v2[TW - 1]
                qa[2 * TW + 1] = -v3[TW - 1]
            p0, p1, p2, p3 = plane[2 * th], plane[2 * th + 1], plane[2 * th + 2], plane[2 * th + 3]
            for q in range(Wq):  # ... and B on the tile rows
                p0[q] += q4[0, q]
                p1[q] += q4[1, q] - q4[2, q] + q4[3, q]
                p2[q] += -q4[0, q] + q4[1, q] + q4[2, q]
                p3[q] -= q4[3, q]
