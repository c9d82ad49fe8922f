"""Activation functions, one registry entry each.

An entry is a factory `model_cfg -> Activation`, so an activation may read its own
settings from the `model:` block of the config (Maxout reads `maxout_pieces`).
Every forward works on stacked pre-activations of shape [K, batch, units] (K models
trained side by side). `pieces` > 1 means the layer before produces `pieces` times as many
pre-activations and the activation reduces them (Maxout). `saturated` says which units
count as saturated (sigmoid, tanh) or inactive (ReLU family): the statistic behind the
vanishing-gradient and ReLU claims.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .lazy import torch
from .registry import Registry

LEAKY_SLOPE = 0.01  # the notes' Leaky ReLU: 0.01 x for x < 0
PRELU_INIT = 0.25  # He et al. 2015's starting slope, as torch.nn.PReLU


@dataclass(frozen=True)
class Activation:
    forward: Callable  # (pre, slope) -> post; slope is None unless learns_slope
    saturated: Callable | None  # (pre, post) -> bool tensor; None where undefined
    pieces: int = 1
    learns_slope: bool = False


ACTIVATIONS: Registry[Callable[[dict], Activation]] = Registry("activation")


def fixed(activation: Activation) -> Callable[[dict], Activation]:
    """Factory for an activation with no settings of its own."""
    return lambda model_cfg: activation


def _inactive(pre, post):
    return pre <= 0


ACTIVATIONS.register(
    "sigmoid",
    fixed(
        Activation(
            forward=lambda pre, slope: torch.sigmoid(pre),
            # within 0.05 of 0 or 1 the slope is below 0.05 (its maximum is 0.25)
            saturated=lambda pre, post: (post < 0.05) | (post > 0.95),
        )
    ),
)
ACTIVATIONS.register(
    "tanh",
    fixed(
        Activation(
            forward=lambda pre, slope: torch.tanh(pre),
            saturated=lambda pre, post: post.abs() > 0.9,
        )
    ),
)
ACTIVATIONS.register(
    "relu", fixed(Activation(forward=lambda pre, slope: torch.relu(pre), saturated=_inactive))
)
ACTIVATIONS.register(
    "leaky_relu",
    fixed(
        Activation(
            forward=lambda pre, slope: torch.nn.functional.leaky_relu(pre, LEAKY_SLOPE),
            saturated=_inactive,
        )
    ),
)
ACTIVATIONS.register(
    "prelu",
    fixed(
        Activation(
            # relu(x) - a * relu(-x) is x for x >= 0 and a * x below, exactly as where(x >= 0,
            # x, a * x), and faster forward and backward on stacked [K, B, units] (README)
            forward=lambda pre, slope: torch.relu(pre) - slope * torch.relu(-pre),
            saturated=_inactive,
            learns_slope=True,
        )
    ),
)
ACTIVATIONS.register(
    "elu",
    fixed(Activation(forward=lambda pre, slope: torch.nn.functional.elu(pre), saturated=_inactive)),
)


def maxout(pre, pieces: int):
    """Max over groups of `pieces` consecutive pre-activations: [..., u*pieces] -> [..., u].

    Same values either way; the faster op for each case (README: Performance): where a
    gradient will flow, max(), whose backward routes it to the winning piece by index rather
    than by amax's equality mask; elsewhere amax(), whose forward computes no indices."""
    groups = pre.unflatten(-1, (-1, pieces))
    if torch.is_grad_enabled() and pre.requires_grad:
        return groups.max(-1).values
    return groups.amax(-1)


@ACTIVATIONS.register("maxout")
def _maxout(model_cfg: dict) -> Activation:
    pieces = int(model_cfg["maxout_pieces"])
    return Activation(
        forward=lambda pre, slope: maxout(pre, pieces),
        saturated=None,  # a max of linear pieces has no saturated or inactive region
        pieces=pieces,
    )


def build(name: str, model_cfg: dict) -> Activation:
    return ACTIVATIONS[name](model_cfg)
