"""Kiln's neural-network package: ``Module``, ``Parameter``, containers, layers, activations,
losses, initialisers (``nn.init``), the functional forms (``nn.functional``), serialisation
(``nn.save``/``nn.load``), data loading (``nn.data``) and a model zoo (``nn.models``).

Names, parameter layouts and semantics follow PyTorch's ``torch.nn`` (see DESIGN.md)."""
from .containers import ModuleDict, ModuleList, Sequential
from .module import Module, Parameter

try:  # recurrent layers and data land from another work stream; plain imports once they exist
    from .rnn import GRU, LSTM, RNN
except ModuleNotFoundError:  # pragma: no cover
    pass
import importlib.util as _ilu

if _ilu.find_spec(__name__ + ".data") is not None:
    from . import data
