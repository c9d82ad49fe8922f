"""Small float64 nets the exact checks build (exactness needs more than float32's 7 digits)."""

from __future__ import annotations

from ..activations import build as build_activation
from ..lazy import mlp, torch
from .settings import ClaimSettings, setting


class SmallNet(ClaimSettings):
    """The size of an exact check's small net and the seed that fixes its weights and data; a
    check's settings add what else it draws and, where they differ, their own defaults."""

    seed: int = setting(0, "seeds the weights and the data", ge=0)
    features: int = setting(6, "input features", ge=1)
    width: int = setting(8, "hidden units per layer", ge=1)
    classes: int = setting(3, "outputs: classes (logits per input)", ge=1)


class RandomNets(SmallNet):
    """The random nets of an exact check, net k seeded by seed + k, and their random inputs (a
    claim's settings add its tolerance)."""

    n_models: int = setting(4, "random nets checked", ge=1)
    features: int = setting(40, "MNIST-1D's input size", ge=1)
    width: int = setting(100, "as model.width", ge=1)
    depth: int = setting(4, "as model.depth; deeper default-init nets shrink the input path J(x)x", ge=1)
    classes: int = setting(10, "MNIST-1D's classes: logits per input", ge=1)
    n_inputs: int = setting(256, "random N(0, 1) inputs per net", ge=1)
    init: str = setting("default", "non-zero biases, so the biases are part of what must match", registry="init")


def random_net(spec: RandomNets, activation: str = "relu") -> mlp.StackedMLP:
    """A stack of random nets in float64 (exactness needs more than float32's 7 digits)."""
    k = spec.n_models
    return mlp.StackedMLP(k, spec.features, spec.width, spec.depth, spec.classes,
                          build_activation(activation, {}), [spec.init] * k,
                          [torch.Generator().manual_seed(spec.seed + i) for i in range(k)]).double().eval()
