"""Run a program of this folder under Kiln, or the very same source under PyTorch.

Each program is written as a PyTorch program whose imports alone are renamed (``import engine``,
``import nn``, ``import nn.functional as F``, ``import optim``, ``from nn.data import ...``) and defines
``main(...)`` returning what its test checks.  :func:`load` imports it as it is (Kiln);
:func:`load_torch` reads the same file, maps back each import line through :data:`TORCH_IMPORTS`, and
executes it, so the torch run is the same program with the renaming undone and nothing else changed.  An
import line of ours that the map does not know is an error (it would otherwise run against Kiln)."""
import importlib.util
import os
import re
import types

HERE = os.path.dirname(os.path.abspath(__file__))

TORCH_IMPORTS = {
    "import engine": "import torch as engine",
    "import nn": "import torch.nn as nn",
    "import nn.functional as F": "import torch.nn.functional as F",
    "import optim": "import torch.optim as optim",
    "from nn.data import": "from torch.utils.data import",
    "from optim.lr_scheduler import": "from torch.optim.lr_scheduler import",
}
_OURS = re.compile(r"^(import|from)\s+(engine|nn|optim|kernels)\b")


def _path(name):
    return os.path.join(HERE, f"{name}.py")


def load(name):
    """The program ``tests/programs/<name>.py`` imported under Kiln."""
    spec = importlib.util.spec_from_file_location(f"program_{name}", _path(name))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def torch_source(name):
    """The program's source with each import of Kiln's packages mapped to PyTorch's."""
    with open(_path(name), encoding="utf-8") as f:
        lines = f.read().splitlines()
    out = []
    for line in lines:
        if _OURS.match(line):
            for ours, theirs in TORCH_IMPORTS.items():
                if line == ours or line.startswith(ours + " "):
                    line = theirs + line[len(ours):]
                    break
            else:
                raise ValueError(f"{name}.py: no PyTorch mapping for the import line {line!r}")
        out.append(line)
    return "\n".join(out) + "\n"


def load_torch(name):
    """The same program executed against PyTorch (the caller has checked that torch imports)."""
    mod = types.ModuleType(f"program_{name}_torch")
    mod.__file__ = _path(name)
    exec(compile(torch_source(name), _path(name), "exec"), mod.__dict__)
    return mod
