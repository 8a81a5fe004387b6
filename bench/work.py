"""Work counted from shapes: FLOPs and the minimum bytes a kernel must move.

Conventions (the tests check each formula on tiny shapes):

- A multiply-add is 2 FLOPs.  ``matmul_flops(m, n, k) = 2*m*n*k`` for an (m, k) @ (k, n) product.
- Forward+backward of a matmul or a layer is 3x its forward GEMM work (forward, input gradient, weight
  gradient); a first layer whose input needs no gradient is still counted at 3x (the convention most papers
  use), and elementwise work (bias, activations, losses, optimiser updates) is left out of FLOP counts.
- Bytes are the compulsory traffic: every operand read once and every result written once, float32 = 4 bytes
  (``itemsize`` overrides).  Copy bandwidth is counted the same way (read + write).
- Convolution output sizes follow PyTorch: ``floor((h + 2p - d*(k-1) - 1) / s) + 1``.
"""
from __future__ import annotations

__all__ = [
    "conv_out", "matmul_flops", "matmul_fwdbwd", "conv2d_flops", "conv2d_bytes", "pool2d_bytes",
    "elementwise_bytes", "linear_flops", "mlp_forward_flops", "lenet5_forward_flops", "resnet20_forward_flops",
    "train_step_flops",
]


def conv_out(size: int, k: int, stride: int = 1, pad: int = 0, dilation: int = 1) -> int:
    """Output length along one axis (PyTorch's formula, floor division)."""
    return (size + 2 * pad - dilation * (k - 1) - 1) // stride + 1


def matmul_flops(m: int, n: int, k: int) -> int:
    """FLOPs of (m, k) @ (k, n)."""
    return 2 * m * n * k


def matmul_fwdbwd(m: int, n: int, k: int, itemsize: int = 4) -> tuple[int, int]:
    """(FLOPs, bytes) of C = A @ B forward plus dA = G @ B^T and dB = A^T @ G: 3 GEMMs; bytes are each GEMM's
    operands read and result written once: (mk + kn + mn) per GEMM."""
    flops = 3 * matmul_flops(m, n, k)
    nbytes = 3 * (m * k + k * n + m * n) * itemsize
    return flops, nbytes


def conv2d_flops(n: int, cin: int, h: int, w: int, cout: int, kh: int, kw: int,
                 stride: int = 1, pad: int = 0, dilation: int = 1, groups: int = 1) -> int:
    """Forward FLOPs of a 2-D convolution: 2 * N * Cout * Ho * Wo * (Cin/groups) * kh * kw."""
    ho = conv_out(h, kh, stride, pad, dilation)
    wo = conv_out(w, kw, stride, pad, dilation)
    return 2 * n * cout * ho * wo * (cin // groups) * kh * kw


def conv2d_bytes(n: int, cin: int, h: int, w: int, cout: int, kh: int, kw: int,
                 stride: int = 1, pad: int = 0, dilation: int = 1, itemsize: int = 4) -> int:
    """Forward compulsory bytes of a 2-D convolution: input + weight read, output written."""
    ho = conv_out(h, kh, stride, pad, dilation)
    wo = conv_out(w, kw, stride, pad, dilation)
    return (n * cin * h * w + cout * cin * kh * kw + n * cout * ho * wo) * itemsize


def pool2d_bytes(n: int, c: int, h: int, w: int, k: int, stride: int | None = None, pad: int = 0,
                 backward: bool = False, itemsize: int = 4, index_itemsize: int = 0) -> int:
    """Compulsory bytes of 2-D pooling: read the input, write the output (+ an index array when
    ``index_itemsize``); with ``backward``, also read the output gradient (+ indexes) and write the input
    gradient."""
    s = stride or k
    ho, wo = conv_out(h, k, s, pad), conv_out(w, k, s, pad)
    xin, out = n * c * h * w, n * c * ho * wo
    total = (xin + out) * itemsize + out * index_itemsize
    if backward:
        total += (out + xin) * itemsize + out * index_itemsize
    return total


def elementwise_bytes(numel: int, reads: int, writes: int, itemsize: int = 4) -> int:
    """Bytes of an elementwise pass reading ``reads`` and writing ``writes`` arrays of ``numel`` elements."""
    return numel * (reads + writes) * itemsize


def linear_flops(batch: int, fan_in: int, fan_out: int) -> int:
    """Forward FLOPs of a Linear layer (the GEMM; the bias add is not counted)."""
    return matmul_flops(batch, fan_out, fan_in)


def mlp_forward_flops(batch: int, widths) -> int:
    """Forward FLOPs of an MLP with layer widths such as (784, 256, 128, 10)."""
    widths = list(widths)
    return sum(linear_flops(batch, a, b) for a, b in zip(widths[:-1], widths[1:]))


def lenet5_forward_flops(batch: int) -> int:
    """Forward FLOPs of ``bench.nets`` LeNet-5 on 1x28x28: conv 1->6 5x5 pad 2, pool 2, conv 6->16 5x5,
    pool 2, then Linear 400-120-84-10."""
    c1 = conv2d_flops(batch, 1, 28, 28, 6, 5, 5, pad=2)
    c2 = conv2d_flops(batch, 6, 14, 14, 16, 5, 5)
    return c1 + c2 + mlp_forward_flops(batch, (16 * 5 * 5, 120, 84, 10))


def resnet20_forward_flops(batch: int, width: int = 16, blocks: int = 3, hw: int = 32, classes: int = 10) -> int:
    """Forward FLOPs of ``bench.nets`` ResNet-20 (CIFAR layout: a 3x3 stem, 3 stages of ``blocks`` basic blocks
    at widths 16/32/64, stride 2 entering stages 2 and 3 with a 1x1 conv shortcut, global pool, Linear).
    Convolutions and the classifier only (BatchNorm/ReLU/adds are elementwise)."""
    total = conv2d_flops(batch, 3, hw, hw, width, 3, 3, pad=1)
    cin, size = width, hw
    for stage in range(3):
        cout = width * 2 ** stage
        for b in range(blocks):
            stride = 2 if (stage > 0 and b == 0) else 1
            total += conv2d_flops(batch, cin, size, size, cout, 3, 3, stride=stride, pad=1)
            out = conv_out(size, 3, stride, 1)
            total += conv2d_flops(batch, cout, out, out, cout, 3, 3, pad=1)
            if stride != 1 or cin != cout:
                total += conv2d_flops(batch, cin, size, size, cout, 1, 1, stride=stride)
            cin, size = cout, out
    return total + linear_flops(batch, cin, classes)


def train_step_flops(forward_flops: int) -> int:
    """A training step counted as 3x the forward GEMM/conv work (see the module docstring)."""
    return 3 * forward_flops
