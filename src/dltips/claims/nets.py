"""Small float64 nets the exact checks build (exactness needs more than float32's 7 digits)."""

from __future__ import annotations

from ..activations import build as build_activation
from ..lazy import lazy_import

torch = lazy_import("torch")
mlp = lazy_import("dltips.model")


def random_net(spec: dict, activation: str = "relu") -> mlp.StackedMLP:
    """A stack of random nets in float64 (exactness needs more than float32's 7 digits)."""
    k = spec["n_models"]
    return mlp.StackedMLP(k, spec["in_features"], spec["width"], spec["depth"], spec["n_classes"],
                      build_activation(activation, {}), [spec["init"]] * k,
                      [torch.Generator().manual_seed(spec["seed"] + i) for i in range(k)]).double().eval()
