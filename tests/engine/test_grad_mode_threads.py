"""Grad mode is thread-local (issue 18 item 5): ``no_grad`` in one thread never switches graph
recording off in another, and every new thread starts with recording on."""
import threading

import engine
from engine import no_grad, tensor


def test_no_grad_in_one_thread_does_not_leak_into_another():
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def inside_no_grad():
        with no_grad():
            barrier.wait()  # 1: this thread is inside no_grad now
            barrier.wait()  # 2: the other thread has built its op meanwhile
            seen["no_grad_thread"] = engine.is_grad_enabled()
        seen["no_grad_thread_after"] = engine.is_grad_enabled()

    def records_a_graph():
        x = tensor([1.0, 2.0], requires_grad=True)
        barrier.wait()  # 1: the other thread is inside no_grad
        y = (x * x).sum()
        seen["other_enabled"] = engine.is_grad_enabled()
        seen["other_requires_grad"] = y.requires_grad
        barrier.wait()  # 2
        y.backward()
        seen["other_grad"] = x.grad.numpy().tolist()

    threads = [threading.Thread(target=inside_no_grad), threading.Thread(target=records_a_graph)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {
        "no_grad_thread": False,
        "no_grad_thread_after": True,
        "other_enabled": True,
        "other_requires_grad": True,
        "other_grad": [2.0, 4.0],
    }


def test_new_thread_starts_enabled_while_main_thread_is_in_no_grad():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(engine.is_grad_enabled()))
        t.start()
        t.join(10)
        assert not engine.is_grad_enabled()
    assert seen == [True]
    assert engine.is_grad_enabled()


def test_one_no_grad_instance_entered_by_two_threads_restores_each_thread():
    shared = no_grad()
    barrier = threading.Barrier(2, timeout=10)
    after = []

    def worker(start_enabled):
        with engine.set_grad_enabled(start_enabled):
            with shared:
                barrier.wait()
            after.append((start_enabled, engine.is_grad_enabled()))

    threads = [threading.Thread(target=worker, args=(m,)) for m in (True, False)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(after) == [(False, False), (True, True)]


def test_backward_in_one_thread_does_not_stop_graph_building_in_another():
    """Two models trained in two threads: backward turns grad mode off only in its own thread."""
    barrier = threading.Barrier(2, timeout=10)
    seen = {}

    def backward_thread():
        x = tensor([1.0, 2.0], requires_grad=True)
        y = x * 3

        def pause(g):  # runs inside backward, where this thread records no graph
            seen["inside_backward"] = engine.is_grad_enabled()
            barrier.wait()  # 1: the other thread builds its graph now
            barrier.wait()  # 2
            return None

        y.register_hook(pause)
        y.sum().backward()
        seen["grad"] = x.grad.tolist()

    def forward_thread():
        w = tensor([0.5], requires_grad=True)
        barrier.wait()  # 1: the other thread is inside backward
        seen["other_requires_grad"] = (w * w).requires_grad
        barrier.wait()  # 2

    threads = [threading.Thread(target=backward_thread), threading.Thread(target=forward_thread)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"inside_backward": False, "other_requires_grad": True, "grad": [3.0, 3.0]}
