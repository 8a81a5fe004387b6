"""The differentiable primitives, one module per family; each op is one Function subclass plus one
user function.  Every Function defined here is registered in ``engine.function.OP_REGISTRY``."""
from . import conv, elementwise, linalg, pool, reduce, shape, softmax  # noqa: F401
from . import activation, softmax_ce  # noqa: F401,E402  (fused-kernel activations and cross-entropy)
from . import index_put  # noqa: F401,E402  (item assignment, used by Tensor.__setitem__)

from .. import _torch_methods  # noqa: E402

_torch_methods.install()  # Tensor's methods that are ops (x.tan(), x + y, ...): the op functions themselves
