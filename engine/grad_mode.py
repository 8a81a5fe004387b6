"""Whether operations record a graph: ``no_grad`` / ``enable_grad``, usable as context managers and decorators.

The switch is thread-local, as in PyTorch: ``no_grad`` in one thread never changes whether another
thread records a graph, and every new thread starts with recording enabled.  Nesting restores the
previous state on exit, also when the body raises.
"""
from __future__ import annotations

import functools
import threading

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]


class _ThreadState(threading.local):
    """Per-thread grad mode; the class attribute is the default every new thread starts from."""

    enabled = True


_State = _ThreadState()


def is_grad_enabled() -> bool:
    """True when new operations record themselves in the graph."""
    return _State.enabled


class set_grad_enabled:
    """Turn graph recording on or off inside a ``with`` block (or a decorated function)."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)
        self._prev = threading.local()  # one instance may be entered by several threads at once

    def _stack(self) -> list:
        stack = getattr(self._prev, "stack", None)
        if stack is None:
            stack = self._prev.stack = []
        return stack

    def __enter__(self):
        self._stack().append(_State.enabled)
        _State.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _State.enabled = self._stack().pop()
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__.__new__(self.__class__).__init_like(self):
                return fn(*args, **kwargs)

        return wrapper

    def __init_like(self, other):
        self.mode, self._prev = other.mode, threading.local()
        return self


class no_grad(set_grad_enabled):
    """Operations inside do not record a graph (inference, optimiser updates)."""

    def __init__(self):
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Re-enable graph recording, e.g. inside a ``no_grad`` block."""

    def __init__(self):
        super().__init__(True)
