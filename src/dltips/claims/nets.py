"""Small float64 nets the exact checks build (exactness needs more than float32's 7 digits)."""

from __future__ import annotations

from ..activations import build as build_activation
from ..lazy import mlp, torch
from .settings import ClaimSettings, setting


class RandomNets(ClaimSettings):
    """The random nets of an exact check (a claim's settings add its tolerance)."""

    seed: int = setting(0, "seeds the nets (seed + k for net k) and the inputs", ge=0)
    n_models: int = setting(4, "random nets checked", ge=1)
    in_features: int = setting(40, "MNIST-1D's input size", ge=1)
    width: int = setting(100, "as model.width", ge=1)
    depth: int = setting(4, "as model.depth; deeper default-init nets shrink the input path J(x)x", ge=1)
    n_classes: int = setting(10, "logits per input", ge=1)
    n_inputs: int = setting(256, "random N(0, 1) inputs per net", ge=1)
    init: str = setting("default", "non-zero biases, so the biases are part of what must match", registry="init")


def random_net(spec: RandomNets, activation: str = "relu") -> mlp.StackedMLP:
    """A stack of random nets in float64 (exactness needs more than float32's 7 digits)."""
    k = spec.n_models
    return mlp.StackedMLP(k, spec.in_features, spec.width, spec.depth, spec.n_classes,
                          build_activation(activation, {}), [spec.init] * k,
                          [torch.Generator().manual_seed(spec.seed + i) for i in range(k)]).double().eval()
