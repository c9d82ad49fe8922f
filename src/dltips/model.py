"""K independent MLPs trained side by side as one module.

Weights are stacked [K, in, out] and every layer is one batched matmul, so a process trains
a whole stack of grid cells (seeds, regularisers, learning rates) for the price of a few
large kernels instead of many tiny ones. Model k never reads another model's parameters,
so the stack is exactly K separate networks; each model draws its initialisation and its
dropout masks from its own generator, seeded by its run's seed.
"""

from collections.abc import Callable, Sequence

import torch
from torch import nn

from .activations import PRELU_INIT, Activation
from .inits import INITS


class StackedMLP(nn.Module):
    def __init__(
        self,
        n_models: int,
        in_features: int,
        width: int,
        depth: int,
        n_classes: int,
        activation: Activation,
        inits: Sequence[str],
        generators: Sequence[torch.Generator],
        dropout_input: Sequence[float] | None = None,
        dropout_hidden: Sequence[float] | None = None,
    ):
        super().__init__()
        if not len(generators) == len(inits) == n_models:
            raise ValueError(f"need one generator and init per model ({n_models}), got {len(generators)}, {len(inits)}")
        self.n_models, self.depth, self.activation = n_models, depth, activation
        self.generators = list(generators)
        dims = [in_features] + [width] * depth + [n_classes]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for layer, (fan_in, units) in enumerate(zip(dims[:-1], dims[1:])):
            out = units * activation.pieces if layer < depth else units
            self.weights.append(nn.Parameter(torch.empty(n_models, fan_in, out)))
            self.biases.append(nn.Parameter(torch.empty(n_models, 1, out)))
        self.slopes = nn.ParameterList(
            [nn.Parameter(torch.full((n_models, 1, width), PRELU_INIT)) for _ in range(depth)]
            if activation.learns_slope
            else []
        )
        with torch.no_grad():
            for k, (init, rng) in enumerate(zip(inits, self.generators)):
                for w, b in zip(self.weights, self.biases):
                    INITS[init](w[k], b[k, 0], rng)
        self.p_input = [float(p) for p in (dropout_input or [0.0] * n_models)]
        self.p_hidden = [float(p) for p in (dropout_hidden or [0.0] * n_models)]

    def _dropout(self, h: torch.Tensor, rates: list[float]) -> torch.Tensor:
        """Inverted dropout (kept units scaled by 1/(1-p) at train time, so evaluation uses the
        weights as they are -- equal to the notes' test-time scaling by (1-p)). Masks are drawn
        per model from its own generator, so a run's numbers do not depend on its stack."""
        if not self.training or not any(rates):
            return h
        keep = torch.ones_like(h)
        for k, (rng, p) in enumerate(zip(self.generators, rates)):
            if p > 0:
                draw = torch.rand(h.shape[1:], generator=rng, device=rng.device)
                keep[k] = (draw.to(h.device) >= p).to(h.dtype) / (1 - p)
        return h * keep

    def forward(self, x: torch.Tensor, observe: Callable | None = None) -> torch.Tensor:
        """x: [K, B, in] (each model its own batch) or [B, in] (shared) -> logits [K, B, C].

        `observe(layer, pre, post)` sees every hidden layer's activations (layer statistics).
        """
        h = x if x.dim() == 3 else x.expand(self.n_models, *x.shape)
        h = self._dropout(h, self.p_input)
        for layer in range(self.depth):
            pre = torch.baddbmm(self.biases[layer], h, self.weights[layer])
            slope = self.slopes[layer] if self.slopes else None
            h = self.activation.forward(pre, slope)
            if observe is not None:
                observe(layer, pre, h)
            h = self._dropout(h, self.p_hidden)
        return torch.baddbmm(self.biases[-1], h, self.weights[-1])
