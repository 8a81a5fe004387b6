"""FLOP and byte counting of the bench cases, checked on tiny shapes against brute-force counts."""
import itertools

import numpy as np
import pytest

from bench import work


def _brute_out(size, k, stride, pad, dilation):
    return sum(1 for i in range(0, size + 2 * pad) if i % stride == 0 and i + dilation * (k - 1) <= size + 2 * pad - 1)


@pytest.mark.parametrize("size,k,stride,pad,dilation", list(itertools.product((5, 6, 7), (1, 2, 3), (1, 2, 3), (0, 1, 2), (1, 2))))
def test_conv_out_matches_sliding_window_count(size, k, stride, pad, dilation):
    if dilation * (k - 1) + 1 > size + 2 * pad:
        return
    assert work.conv_out(size, k, stride, pad, dilation) == _brute_out(size, k, stride, pad, dilation)


def test_matmul_flops_is_2mnk_and_matches_a_counted_loop():
    m, n, k = 2, 3, 4
    macs = sum(1 for _ in itertools.product(range(m), range(n), range(k)))
    assert work.matmul_flops(m, n, k) == 2 * macs == 48
    flops, nbytes = work.matmul_fwdbwd(m, n, k)
    assert flops == 3 * 48
    assert nbytes == 3 * (m * k + k * n + m * n) * 4


def _conv_macs_by_loop(n, cin, h, w, cout, kh, kw, stride, pad, dil):
    ho, wo = _brute_out(h, kh, stride, pad, dil), _brute_out(w, kw, stride, pad, dil)
    count = 0
    for _b, _co, _y, _x in itertools.product(range(n), range(cout), range(ho), range(wo)):
        for _ci, _i, _j in itertools.product(range(cin), range(kh), range(kw)):
            count += 1
    return count


@pytest.mark.parametrize("shape", [
    (1, 1, 3, 3, 1, 2, 2, 1, 0, 1),
    (2, 3, 5, 4, 2, 3, 2, 2, 1, 1),
    (1, 2, 7, 7, 3, 3, 3, 1, 2, 2),
])
def test_conv2d_flops_counts_every_multiply_add(shape):
    n, cin, h, w, cout, kh, kw, s, p, d = shape
    assert work.conv2d_flops(n, cin, h, w, cout, kh, kw, s, p, d) == 2 * _conv_macs_by_loop(*shape)


def test_conv2d_bytes_reads_input_and_weight_writes_output():
    # 1x1x4x4 input, 2 filters 3x3, no pad -> 2x2 output per filter
    assert work.conv2d_bytes(1, 1, 4, 4, 2, 3, 3) == (16 + 2 * 9 + 2 * 4) * 4


def test_pool_and_elementwise_bytes():
    # 1x1x4x4 max-pool 2: 16 in, 4 out; with int64 indexes and backward
    assert work.pool2d_bytes(1, 1, 4, 4, 2) == (16 + 4) * 4
    assert work.pool2d_bytes(1, 1, 4, 4, 2, backward=True, index_itemsize=8) == (20 * 4 + 4 * 8) * 2
    assert work.elementwise_bytes(10, reads=2, writes=1) == 120


def test_network_flops_on_known_numbers():
    assert work.mlp_forward_flops(1, (784, 256, 128, 10)) == 2 * (784 * 256 + 256 * 128 + 128 * 10)
    assert work.mlp_forward_flops(3, (4, 5)) == 3 * 2 * 20
    c1, c2 = 2 * 6 * 28 * 28 * 25, 2 * 16 * 10 * 10 * 6 * 25
    assert work.lenet5_forward_flops(1) == c1 + c2 + 2 * (400 * 120 + 120 * 84 + 84 * 10)
    # ResNet-20 (option B shortcuts): ~41M multiply-adds per 32x32 image, batch-linear
    r = work.resnet20_forward_flops(1)
    assert 80e6 < r < 84e6
    assert work.resnet20_forward_flops(4) == 4 * r
    assert work.train_step_flops(10) == 30


def _hooked_flops(torch, model, x):
    total = []

    def hook(mod, inp, out):
        if isinstance(mod, torch.nn.Conv2d):
            kh, kw = mod.kernel_size
            total.append(2 * out.numel() * (mod.in_channels // mod.groups) * kh * kw)
        elif isinstance(mod, torch.nn.Linear):
            total.append(2 * out.numel() * mod.in_features)

    hs = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model(x)
    for h in hs:
        h.remove()
    return sum(total)


def test_network_flops_match_a_hooked_count_of_the_same_nets():
    torch = pytest.importorskip("torch")
    from bench import nets

    for builder, shape, count in [
        (nets.mlp, (2, 784), work.mlp_forward_flops(2, (784, 256, 128, 10))),
        (nets.lenet5, (2, 1, 28, 28), work.lenet5_forward_flops(2)),
        (nets.resnet20, (2, 3, 32, 32), work.resnet20_forward_flops(2)),
    ]:
        model = builder(torch.nn)
        assert _hooked_flops(torch, model, torch.zeros(shape)) == count, builder.__name__


def test_engine_cases_carry_the_counted_work():
    from bench import cases_engine

    cs = {c.name: c for c in cases_engine.cases(quick=True, device="cpu")}
    assert cs["matmul_fwdbwd/64"].flops == 3 * 2 * 64**3
    assert cs["matmul_fwdbwd/128"].bytes == 9 * 128 * 128 * 4
    assert cs["train/mlp_b16"].flops == 3 * work.mlp_forward_flops(16, (784, 256, 128, 10))
    assert cs["op_overhead/add"].flops == 0 and np.isclose(cs["op_overhead/add"].bytes, 0)
