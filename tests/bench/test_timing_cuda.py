"""The CUDA timing path without a GPU: CudaTimer driven by a stand-in for CuPy's event API, checking that it
synchronises before the start event, records both events on the current stream, and converts ms to s."""
import types

from bench.timing import CudaTimer, measure


class _FakeCupy:
    def __init__(self):
        self.log = []
        fake = self

        class Event:
            def record(self, stream=None):
                fake.log.append(("record", stream))

            def synchronize(self):
                fake.log.append(("event_sync",))

        runtime = types.SimpleNamespace(deviceSynchronize=lambda: fake.log.append(("device_sync",)))
        self.cuda = types.SimpleNamespace(
            Event=Event, runtime=runtime, get_current_stream=lambda: "stream0",
            get_elapsed_time=lambda a, b: 5.0,  # ms
        )


def test_cuda_timer_event_protocol():
    cp = _FakeCupy()
    timer = CudaTimer(cp)
    calls = []
    assert timer.time(lambda: calls.append(1), 4) == 0.005
    assert len(calls) == 4
    kinds = [e[0] for e in cp.log]
    assert kinds == ["device_sync", "record", "record", "device_sync", "event_sync"]
    assert cp.log[1] == ("record", "stream0")


def test_measure_runs_on_the_cuda_timer():
    ms = measure({"f": lambda: None}, CudaTimer(_FakeCupy()), repeat=3, target_s=0.001)
    assert ms["f"].samples and all(s > 0 for s in ms["f"].samples)
