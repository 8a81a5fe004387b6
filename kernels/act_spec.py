"""The activation spec: one row per activation, read by everything that names one.

A row gives the activation's name (as ``torch.nn.functional`` spells it, where torch has it) and aliases,
its scalar parameters (torch's names and defaults; at most two, which travel to the kernels as ``a`` and
``b``), its formulas (value, derivative and second derivative, in ``kernels.act_formulas``), its Module
class name and what the public functions look like.  From the rows:

- the kernel twins compile one kernel per activation (``kernels.cpu.activation``, ``kernels.cuda.activation``);
- ``engine/ops/activation.py`` builds the fused op and the ``engine.<name>`` functions;
- ``nn/_activations.py`` builds ``F.<name>`` and ``nn/activation.py`` the Module classes; the model zoo's
  ``make_activation`` looks names up here; bench and the tests iterate over the rows.

A parameter with ``choices`` (GELU's ``approximate``) is a string that travels as the float its choice maps
to.  ``core`` names the engine's own elementwise op (``relu``, ``sigmoid``, ``tanh``, ``abs``) that the public function
uses instead of the fused kernel (those ops are twice differentiable and faster on small tensors); the
kernel row still serves ``bias_act``.  This module imports nothing of ours but the formulas.
"""
from __future__ import annotations

from dataclasses import dataclass

from kernels import act_formulas as _f


@dataclass(frozen=True)
class Param:
    name: str
    default: object
    choices: tuple = ()  # ((string, float), ...) for a string parameter

    def to_float(self, value, op_name) -> float:
        if self.choices and isinstance(value, str):
            for text, number in self.choices:
                if value == text:
                    return number
            allowed = " or ".join(repr(t) for t, _ in self.choices)
            raise ValueError(f"{op_name}: {self.name} must be {allowed}, got {value!r}")
        if self.choices and value not in [number for _, number in self.choices]:
            raise ValueError(f"{op_name}: {self.name} must be one of {self.choices}, got {value!r}")
        return float(value)


@dataclass(frozen=True)
class ActSpec:
    name: str  # F / engine name (torch's where torch has it) and kernel name
    module: str | None  # nn Module class name
    doc: str  # one line: the formula
    params: tuple = ()  # Param rows, in torch's order
    formula: str = ""  # name of the value formula in kernels.act_formulas (d_<formula>, dd_<formula> follow)
    aliases: tuple = ()  # other names: F, engine (where exported) and kernels accept them
    module_aliases: tuple = ()
    reads_y: bool = False  # the derivative reads the output
    slope_weight: bool = False  # PReLU: the slope is a per-channel weight array (travels as ``weight``)
    inplace: bool = False  # torch's F function and Module take ``inplace`` (accepted; a new tensor is returned)
    engine: bool = True  # exported as ``engine.<name>``
    core: str | None = None  # engine core op used by the public function instead of the fused kernel
    checks: tuple = ()  # ((parameter index, forbidden value, message), ...)
    torch: str = ""  # torch's function of (input, *parameters), a path under ``torch``; "" where torch has none
    examples: tuple = ((),)  # parameter tuples the tests and bench run (() = the defaults)
    smooth: bool = True  # False: a kink or jump at 0 (the tests keep inputs away from it)

    @property
    def value(self):
        return getattr(_f, self.formula or self.name)

    @property
    def derivative(self):
        return getattr(_f, "d_" + (self.formula or self.name))

    @property
    def second(self):
        """The second derivative over a namespace of vectorised ops, or None where it is 0."""
        return getattr(_f, "dd_" + (self.formula or self.name), None)

    def scalars(self, values, op_name=None) -> tuple:
        """(a, b) as floats from the parameter values (defaults where None), checked."""
        op_name = op_name or self.name
        out = []
        for p, v in zip(self.params, values):
            out.append(p.to_float(p.default if v is None else v, op_name))
        for i, bad, msg in self.checks:
            if out[i] == bad:
                raise ValueError(f"{op_name}: {msg}")
        out += [0.0] * (2 - len(out))
        return tuple(out)


P = Param
ACTIVATIONS = (
    ActSpec("identity", None, "x", engine=False),
    ActSpec("relu", "ReLU", "max(x, 0)", inplace=True, engine=False, core="relu", torch="relu", smooth=False),
    ActSpec("leaky_relu", "LeakyReLU", "x where positive, negative_slope * x elsewhere",
            (P("negative_slope", 0.01),), inplace=True, torch="nn.functional.leaky_relu", examples=((), (0.2,)),
            smooth=False),
    ActSpec("prelu", "PReLU", "x where positive, weight * x elsewhere (weight: one slope or one per channel)",
            formula="leaky_relu", slope_weight=True, torch="nn.functional.prelu", smooth=False),
    ActSpec("elu", "ELU", "x where positive, alpha * (exp(x) - 1) elsewhere", (P("alpha", 1.0),), inplace=True,
            reads_y=True, torch="nn.functional.elu", examples=((), (0.7,)), smooth=False),
    ActSpec("silu", "SiLU", "x * sigmoid(x) (also called swish)", aliases=("swish",), module_aliases=("Swish",),
            inplace=True, torch="nn.functional.silu"),
    ActSpec("mish", "Mish", "x * tanh(softplus(x))", inplace=True, torch="nn.functional.mish"),
    ActSpec("softplus", "Softplus", "log(1 + exp(beta x)) / beta, x where beta x > threshold",
            (P("beta", 1.0), P("threshold", 20.0)), checks=((0, 0.0, "beta must be non-zero"),),
            torch="nn.functional.softplus", examples=((), (2.0, 3.0))),
    ActSpec("softsign", "Softsign", "x / (1 + |x|)", torch="nn.functional.softsign", smooth=False),
    ActSpec("sigmoid", "Sigmoid", "1 / (1 + exp(-x))", reads_y=True, engine=False, core="sigmoid",
            torch="sigmoid"),
    ActSpec("tanh", "Tanh", "tanh(x)", formula="tanh_act", reads_y=True, engine=False, core="tanh", torch="tanh"),
    ActSpec("log_sigmoid", "LogSigmoid", "log(sigmoid(x)), stable for large |x|", aliases=("logsigmoid",),
            torch="nn.functional.logsigmoid"),
    ActSpec("sinc", "Sinc", "sin(x) / x, 1 at 0 (unnormalised; torch.sinc, np.sinc and engine.sinc are the "
            "normalised sin(pi x) / (pi x))", engine=False),
    ActSpec("hard_threshold", "HardThreshold", "binary step: 1 where x >= threshold, else 0 (zero gradient)",
            (P("threshold", 0.0),), aliases=("step",), module_aliases=("Step",), examples=((), (0.5,)),
            smooth=False),
    ActSpec("abs_rectifier", "AbsRectifier", "|x| (gradient 0 at 0)", aliases=("abs",), engine=False, core="abs",
            torch="abs", smooth=False),
    ActSpec("gelu", "GELU", "x * Phi(x) (Phi: the standard normal CDF), or torch's tanh approximation",
            (P("approximate", "none", choices=(("none", 0.0), ("tanh", 1.0))),), engine=False,
            torch="nn.functional.gelu", examples=(("none",), ("tanh",))),
)

BY_NAME = {}
for _row in ACTIVATIONS:
    for _n in (_row.name,) + _row.aliases:
        BY_NAME[_n] = _row
del _row, _n


def spec(name: str) -> ActSpec:
    """The row of activation ``name`` (or one of its aliases)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(BY_NAME))}") from None
