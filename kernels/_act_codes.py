"""Activation names -> integer codes shared by the CPU and CUDA activation kernels (no Numba here).

Parameters: ``alpha`` is the negative slope (leaky_relu), the per-channel slope array (prelu), ELU's
alpha, Softplus's beta and HardThreshold's threshold; ``beta`` is Softplus's threshold.
"""
IDENTITY, RELU, LEAKY_RELU, PRELU, ELU, SILU, MISH, SOFTPLUS, SOFTSIGN, SIGMOID, TANH, LOG_SIGMOID, SINC, \
    HARD_THRESHOLD, ABS = range(15)

CODES = {
    "identity": IDENTITY,
    "relu": RELU,
    "leaky_relu": LEAKY_RELU,
    "prelu": PRELU,
    "elu": ELU,
    "silu": SILU,
    "swish": SILU,
    "mish": MISH,
    "softplus": SOFTPLUS,
    "softsign": SOFTSIGN,
    "sigmoid": SIGMOID,
    "tanh": TANH,
    "log_sigmoid": LOG_SIGMOID,
    "sinc": SINC,
    "hard_threshold": HARD_THRESHOLD,
    "step": HARD_THRESHOLD,
    "abs": ABS,
    "abs_rectifier": ABS,
}

#: default (alpha, beta) per activation, as PyTorch's defaults
DEFAULTS = {
    LEAKY_RELU: (0.01, 0.0),
    ELU: (1.0, 0.0),
    SOFTPLUS: (1.0, 20.0),
    HARD_THRESHOLD: (0.0, 0.0),
}


def code(name: str) -> int:
    try:
        return CODES[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(sorted(CODES))}") from None
