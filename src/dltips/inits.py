"""Weight initializations, one registry entry each: (weight [in, out], bias [out], rng) -> None.

The weight is stored [in, out] (x @ W), the transpose of torch.nn.Linear's [out, in];
entries hand torch.nn.init the transposed view so fan-in is computed right.
"""

import math
from collections.abc import Callable

from .lazy import torch
from .registry import Registry

INITS: Registry[Callable] = Registry("init")


@INITS.register("default")
def default(weight, bias, rng) -> None:
    """torch.nn.Linear's own: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases."""
    torch.nn.init.kaiming_uniform_(weight.T, a=math.sqrt(5), generator=rng)
    bound = 1 / math.sqrt(weight.shape[0])
    torch.nn.init.uniform_(bias, -bound, bound, generator=rng)


@INITS.register("xavier")
def xavier(weight, bias, rng) -> None:
    """Glorot & Bengio 2010: keeps activation variance for tanh/sigmoid-like units."""
    torch.nn.init.xavier_uniform_(weight.T, generator=rng)
    torch.nn.init.zeros_(bias)


@INITS.register("he")
def he(weight, bias, rng) -> None:
    """He et al. 2015: variance 2/fan_in, keeps ReLU activations from shrinking with depth."""
    torch.nn.init.kaiming_normal_(weight.T, nonlinearity="relu", generator=rng)
    torch.nn.init.zeros_(bias)
