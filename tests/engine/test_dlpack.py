"""engine.from_dlpack / Tensor.__dlpack__: zero-copy sharing with NumPy and PyTorch, both ways, and
clear errors for a consumed capsule, an unsupported device and a dtype Kiln lacks."""
import numpy as np
import pytest

import engine
from engine import Tensor

torch = pytest.importorskip("torch")


def test_from_torch_shares_memory_both_ways():
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    k = engine.from_dlpack(t)
    assert isinstance(k, Tensor) and k.shape == (2, 3) and k.dtype == np.float32 and not k.requires_grad
    k.array[0, 1] = 42.0  # Kiln writes, torch reads
    assert t[0, 1].item() == 42.0
    t[1, 2] = -7.0  # torch writes, Kiln reads
    assert k.array[1, 2] == -7.0
    np.testing.assert_array_equal(k.numpy(), t.numpy())


def test_from_legacy_torch_capsule_is_writable_and_shared():
    t = torch.zeros(4, dtype=torch.float64)
    k = engine.from_dlpack(torch.utils.dlpack.to_dlpack(t))
    k.array[2] = 3.5
    assert t.tolist() == [0.0, 0.0, 3.5, 0.0]


def test_to_torch_shares_memory_both_ways():
    k = engine.arange(6, dtype="float32").reshape(3, 2)
    assert k.__dlpack_device__() == (1, 0)
    t = torch.from_dlpack(k)
    t[0, 0] = 11.0
    assert k.array[0, 0] == 11.0
    k.array[2, 1] = 5.0
    assert t[2, 1].item() == 5.0
    t2 = torch.utils.dlpack.from_dlpack(engine.to_dlpack(k))
    t2[1, 0] = -1.0
    assert k.array[1, 0] == -1.0


def test_numpy_shares_memory_both_ways_and_strides_survive():
    a = np.arange(12.0).reshape(3, 4)[:, ::2]  # a strided view
    k = engine.from_dlpack(a)
    k.array[2, 1] = 100.0
    assert a[2, 1] == 100.0
    back = np.from_dlpack(k)
    back[0, 0] = -5.0
    assert k.array[0, 0] == -5.0 and a[0, 0] == -5.0


def test_dtypes_and_bfloat16_round_trip():
    pairs = [(torch.int64, np.int64), (torch.bool, np.bool_), (torch.uint8, np.uint8), (torch.float16, np.float16)]
    for dt, want in pairs:
        assert engine.from_dlpack(torch.zeros(2, dtype=dt)).dtype == want
    b = torch.tensor([1.5, -2.25], dtype=torch.bfloat16)
    k = engine.from_dlpack(b)
    assert k.dtype.name == "bfloat16" and k.array.astype(np.float32).tolist() == [1.5, -2.25]
    k.array[0] = 3.0
    assert b[0].item() == 3.0
    back = torch.from_dlpack(k)
    assert back.dtype == torch.bfloat16 and back.tolist() == [3.0, -2.25]


def test_read_only_numpy_array_stays_read_only():
    a = np.arange(3.0)
    a.flags.writeable = False
    k = engine.from_dlpack(a)
    assert not k.array.flags.writeable
    assert k.array.tolist() == [0.0, 1.0, 2.0]


def test_capsule_consumed_twice_is_a_clear_error():
    capsule = torch.utils.dlpack.to_dlpack(torch.ones(3))
    engine.from_dlpack(capsule)
    with pytest.raises(ValueError, match="capsule was already consumed"):
        engine.from_dlpack(capsule)


def test_unsupported_device_is_a_clear_error():
    class RocmArray:
        def __dlpack_device__(self):
            return (10, 0)

        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be asked for its memory")

    with pytest.raises(ValueError, match=r"unsupported device ROCm \(DLPack device type 10, id 0\)"):
        engine.from_dlpack(RocmArray())


@pytest.mark.skipif(engine.cuda_available(), reason="this machine has a GPU")
def test_cuda_producer_without_gpu_is_a_clear_error():
    class CudaArray:
        def __dlpack_device__(self):
            return (2, 0)

        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be asked for its memory")

    with pytest.raises(engine.CUDAUnavailableError, match="CUDA is not available"):
        engine.from_dlpack(CudaArray())


def test_dtype_kiln_lacks_is_a_clear_error():
    with pytest.raises(TypeError, match="dtype float8_e4m3fn has no Kiln equivalent"):
        engine.from_dlpack(torch.zeros(2, dtype=torch.float8_e4m3fn))
    capsule = torch.utils.dlpack.to_dlpack(torch.zeros(2, dtype=torch.float8_e5m2))
    with pytest.raises(TypeError, match="dtype float8_e5m2 has no Kiln equivalent"):
        engine.from_dlpack(capsule)


def test_not_dlpack_and_requires_grad_are_clear_errors():
    with pytest.raises(TypeError, match="expected an object with __dlpack__.*got list"):
        engine.from_dlpack([1.0, 2.0])
    x = engine.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="requires grad; use tensor.detach"):
        torch.from_dlpack(x)
    assert torch.from_dlpack(x.detach()).tolist() == [1.0]
