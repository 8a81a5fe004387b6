"""nn.Conv2d / nn.ConvTranspose2d with torch's full signatures (groups, depthwise, padding strings and modes,
unbatched input, output_size) and nn.Unfold / nn.Fold, against the same torch layers in float64: outputs,
input gradients and parameter gradients; plus the errors for what torch refuses too."""
import numpy as np
import pytest

import engine
import nn

from ._torch_parity import check_layer

torch = pytest.importorskip("torch")

CONV2D = [
    (dict(groups=2), (2, 4, 7, 6)),
    (dict(groups=4, padding=1, stride=2), (2, 4, 9, 8)),  # depthwise, channel multiplier 2
    (dict(groups=4, padding=(2, 1), dilation=(2, 1), bias=False), (1, 4, 8, 7)),  # depthwise, dilated
    (dict(padding="same", dilation=(1, 2)), (2, 4, 6, 7)),
    (dict(kernel_size=(2, 4), padding="same"), (2, 4, 5, 6)),  # even kernels: one more on the right/bottom
    (dict(padding="valid"), (2, 4, 6, 6)),
    (dict(padding=2, padding_mode="reflect"), (2, 4, 5, 6)),
    (dict(padding=(1, 3), padding_mode="circular", groups=4), (2, 4, 5, 6)),
    (dict(padding=1, padding_mode="replicate", stride=2), (2, 4, 5, 6)),
    (dict(padding="same", padding_mode="reflect"), (2, 4, 5, 6)),
    (dict(padding=1), (4, 5, 6)),  # unbatched (C, H, W)
]


@pytest.mark.parametrize("kw,shape", CONV2D, ids=[str(i) for i in range(len(CONV2D))])
def test_conv2d_matches_torch(kw, shape):
    kw = dict(kw)
    k = kw.pop("kernel_size", 3)
    torch.manual_seed(0)
    km, _ = check_layer(nn.Conv2d(4, 8, k, **kw), torch.nn.Conv2d(4, 8, k, **kw), shape)
    assert tuple(km.weight.shape) == (8, 4 // kw.get("groups", 1)) + ((k, k) if isinstance(k, int) else k)


CONVT2D = [
    (dict(groups=2, stride=2, padding=1, output_padding=1), (2, 4, 4, 5), None),
    (dict(groups=2, dilation=2, bias=False), (2, 4, 3, 4), None),
    (dict(stride=3), (2, 4, 3, 4), (11, 13)),  # output_size picks output_padding (2, 1)
    (dict(stride=2), (4, 3, 3), [1, 8, 7]),  # unbatched; output_size may carry leading sizes
]


@pytest.mark.parametrize("kw,shape,out_size", CONVT2D, ids=[str(i) for i in range(len(CONVT2D))])
def test_conv_transpose2d_matches_torch(kw, shape, out_size):
    torch.manual_seed(0)
    call = None if out_size is None else (lambda m, x: m(x, output_size=out_size))
    km, _ = check_layer(nn.ConvTranspose2d(4, 6, 3, **kw), torch.nn.ConvTranspose2d(4, 6, 3, **kw), shape, call=call)
    assert tuple(km.weight.shape) == (4, 6 // kw.get("groups", 1), 3, 3)


def test_torch_positional_order_and_default_init():
    """torch's positional order: (in, out, k, stride, padding, dilation, groups, bias, padding_mode)."""
    m = nn.Conv2d(4, 8, 3, 1, 1, 1, 4, False, "reflect")
    assert (m.groups, m.bias, m.padding_mode) == (4, None, "reflect")
    assert tuple(m.weight.shape) == (8, 1, 3, 3)
    assert np.abs(m.weight.numpy()).max() <= 1 / np.sqrt(1 * 9)  # fan_in = in / groups * kh * kw
    t = nn.ConvTranspose2d(4, 6, 3, 2, 1, 1, 2, False, 1)
    assert (t.stride, t.output_padding, t.groups, t.bias, t.dilation) == ((2, 2), (1, 1), 2, None, (1, 1))
    assert "groups=4" in repr(m) and "padding_mode=reflect" in repr(m)


def test_conv2d_layer_errors():
    with pytest.raises(ValueError, match="Conv2d: in_channels 4 and out_channels 6 must both be divisible by groups 4"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="Conv2d: padding='same' is not supported for strided convolutions"):
        nn.Conv2d(4, 6, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="ConvTranspose2d: padding_mode must be one of \\('zeros',\\)"):
        nn.ConvTranspose2d(4, 6, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"Conv2d: expected input of shape \(N, 4, H, W\) or \(4, H, W\), got \(2, 3, 5, 5\)"):
        nn.Conv2d(4, 6, 3)(engine.zeros(2, 3, 5, 5))
    with pytest.raises(ValueError, match=r"ConvTranspose2d: requested output_size \(9, 9\) is not reachable"):
        nn.ConvTranspose2d(4, 6, 3, stride=2)(engine.zeros(1, 4, 3, 3), output_size=(9, 9))


@pytest.mark.parametrize("kw,shape", [
    (dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1)), (2, 3, 5, 6)),
    (dict(kernel_size=2), (3, 4, 4)),  # unbatched
])
def test_unfold_and_fold_modules_match_torch(kw, shape):
    check_layer(nn.Unfold(**kw), torch.nn.Unfold(**kw), shape)
    tx = torch.nn.Unfold(**kw)(torch.zeros(shape, dtype=torch.float64))
    size = shape[-2:]
    check_layer(nn.Fold(size, **kw), torch.nn.Fold(size, **kw), tuple(tx.shape), seed=1)
    assert repr(nn.Fold(size, **kw)) == repr(torch.nn.Fold(size, **kw))


@pytest.mark.parametrize("cls,kw", [
    ("Conv2d", dict()), ("Conv2d", dict(padding="same", padding_mode="reflect", groups=2)),
    ("Conv2d", dict(stride=2, dilation=2, bias=False)), ("Conv1d", dict(padding=1, padding_mode="circular")),
    ("ConvTranspose2d", dict(stride=2, output_padding=1, groups=2)), ("ConvTranspose1d", dict(dilation=2)),
])
def test_conv_layer_repr_is_torchs(cls, kw):
    assert repr(getattr(nn, cls)(4, 6, 3, **kw)) == repr(getattr(torch.nn, cls)(4, 6, 3, **kw))
