"""Regularizers, one registry entry each: `params -> Regularization`.

A Regularization is the per-model knobs the trainer understands; models with different
regularizers train side by side in one stack. Penalties apply to weight matrices only,
never to biases or PReLU slopes (as nanoGPT and the PReLU paper do: they carry no
capacity worth penalising, and decaying a slope pushes PReLU back to ReLU).
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass

from .registry import Registry


@dataclass(frozen=True)
class Regularization:
    l1: float = 0.0  # adds l1 * sum|w|: a plain SGD step subtracts lr*l1*sgn(w)
    # L1 applied by its proximal step after the optimizer's update instead of by its subgradient:
    # w <- sgn(w) * max(|w| - lr*l1, 0), which lands weights on exact zeros (the subgradient
    # step overshoots zero and leaves them hovering within ~lr*l1 of it)
    l1_prox: bool = False
    l2: float = 0.0  # adds l2/2 * sum w^2: a plain SGD step multiplies w by (1 - lr*l2)
    dropout_input: float = 0.0  # drop probability of each input feature
    dropout_hidden: float = 0.0  # drop probability of each hidden unit
    patience: int | None = None  # early stopping: epochs without a new best val loss

    def as_dict(self) -> dict:
        return asdict(self)


REGULARIZERS: Registry[Callable[[dict], Regularization]] = Registry("regularizer")

REGULARIZERS.register("none", lambda p: Regularization())
REGULARIZERS.register("l1", lambda p: Regularization(l1=float(p["strength"])))
REGULARIZERS.register("l1_prox", lambda p: Regularization(l1=float(p["strength"]), l1_prox=True))
REGULARIZERS.register("l2", lambda p: Regularization(l2=float(p["strength"])))
REGULARIZERS.register(
    "dropout",
    lambda p: Regularization(dropout_input=float(p["input"]), dropout_hidden=float(p["hidden"])),
)
REGULARIZERS.register("early_stopping", lambda p: Regularization(patience=int(p["patience"])))


def build(name: str, params: dict) -> Regularization:
    return REGULARIZERS[name](params)
