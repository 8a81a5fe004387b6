"""Plain NumPy float64 implementations of each optimiser's published update rule (the PyTorch docs'
pseudocode), written independently of ``optim`` and ``kernels`` to check trajectories against.

Each ``make_*`` returns ``update(p, g) -> None`` that changes ``p`` in place and keeps its own state.
"""
import numpy as np


def make_sgd(lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    state = {}

    def update(p, g):
        g = -g if maximize else g.copy()
        if weight_decay:
            g = g + weight_decay * p
        if momentum:
            if "b" not in state:
                state["b"] = g.copy()
            else:
                state["b"] = momentum * state["b"] + (1 - dampening) * g
            g = g + momentum * state["b"] if nesterov else state["b"]
        p -= lr * g

    return update


def make_adagrad(lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    state = {"t": 0}

    def update(p, g):
        state["t"] += 1
        if weight_decay:
            g = g + weight_decay * p
        clr = lr / (1 + (state["t"] - 1) * lr_decay)
        state["s"] = state.get("s", np.full_like(p, initial_accumulator_value)) + g * g
        p -= clr * g / (np.sqrt(state["s"]) + eps)

    return update


def make_rmsprop(lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    state = {"v": 0.0, "gav": 0.0, "b": 0.0}

    def update(p, g):
        if weight_decay:
            g = g + weight_decay * p
        state["v"] = alpha * state["v"] + (1 - alpha) * g**2
        vt = state["v"]
        if centered:
            state["gav"] = alpha * state["gav"] + (1 - alpha) * g
            vt = vt - state["gav"] ** 2
        if momentum > 0:
            state["b"] = momentum * state["b"] + g / (np.sqrt(vt) + eps)
            p -= lr * state["b"]
        else:
            p -= lr * g / (np.sqrt(vt) + eps)

    return update


def make_adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    b1, b2 = betas
    state = {"t": 0, "m": 0.0, "v": 0.0, "vmax": 0.0}

    def update(p, g):
        state["t"] += 1
        t = state["t"]
        if decoupled:
            p *= 1 - lr * weight_decay
        elif weight_decay:
            g = g + weight_decay * p
        state["m"] = b1 * state["m"] + (1 - b1) * g
        state["v"] = b2 * state["v"] + (1 - b2) * g**2
        mhat = state["m"] / (1 - b1**t)
        if amsgrad:
            state["vmax"] = np.maximum(state["vmax"], state["v"])
            vhat = state["vmax"] / (1 - b2**t)
        else:
            vhat = state["v"] / (1 - b2**t)
        p -= lr * mhat / (np.sqrt(vhat) + eps)

    return update


def make_adamw(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
    return make_adam(lr, betas, eps, weight_decay, amsgrad, decoupled=True)
