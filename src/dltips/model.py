"""K independent MLPs trained side by side as one module.

Weights are stacked [K, in, out] and every layer is one batched matmul, so a process trains
a whole stack of grid cells (seeds, regularizers, learning rates) for the price of a few
large kernels instead of many tiny ones. Model k never reads another model's parameters,
so the stack is exactly K separate networks; each model draws its initialization and its
dropout masks from its own generator, seeded by its run's seed.
"""

from collections.abc import Callable, Sequence

import torch
from torch import nn

from .activations import PRELU_INIT, Activation
from .inits import INITS


def _affine(h: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """h @ W + b per model. bmm then an in-place broadcast add: baddbmm would first copy the
    bias out to the full [K, batch, out] shape, one more pass over memory (README: Performance)."""
    return torch.bmm(h, weight).add_(bias)


def keep_factors(rng: torch.Generator, batch: int, unit_rates: torch.Tensor) -> torch.Tensor:
    """One model's inverted-dropout factors for a step: [batch, units], 0 where a unit is
    dropped, 1/(1-p) where kept; units in forward order (inputs, then hidden layers)."""
    rates = unit_rates.to(torch.float32)  # one draw dtype: float64 models see the same masks
    draw = torch.rand((batch, len(rates)), generator=rng, device=rng.device, dtype=torch.float32)
    return (draw >= rates) / (1 - rates)


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
        self.shape = (in_features, width, depth, n_classes)
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
        # every droppable unit in forward order (inputs, then each hidden layer) and its rate
        self.dropout_sizes = [in_features] + [width] * depth
        self.unit_rates = [
            torch.cat([torch.full((n,), p) for n, p in zip(self.dropout_sizes, [p_in] + [p_h] * depth)])
            for p_in, p_h in zip(self.p_input, self.p_hidden)
        ]
        self.dropout_models = [k for k, rates in enumerate(self.unit_rates) if bool((rates > 0).any())]
        # a layer's mask is skipped where no model drops its units (e.g. no input dropout)
        self.masked = [any(self.p_input)] + [any(self.p_hidden)] * depth
        self._masks: tuple[tuple, list[torch.Tensor]] | None = None

    def select(self, models: Sequence[int]) -> "StackedMLP":
        """A stack of the given models only, each with its parameters, generator and dropout
        rates as they are now: a model that stopped training leaves the stack and costs
        nothing more, and the others compute exactly what they computed before."""
        placeholder_rngs = [torch.Generator() for _ in models]  # init draws must not use the real ones
        picked = StackedMLP(len(models), *self.shape, self.activation, ["default"] * len(models), placeholder_rngs,
                            [self.p_input[k] for k in models], [self.p_hidden[k] for k in models])
        first = next(self.parameters())
        picked = picked.to(device=first.device, dtype=first.dtype).train(self.training)
        index = torch.tensor(list(models), device=first.device)
        with torch.no_grad():
            for mine, theirs in zip(picked.parameters(), self.parameters()):
                mine.copy_(theirs.index_select(0, index))
        picked.generators = [self.generators[k] for k in models]
        return picked

    def _keep_masks(self, batch: int, like: torch.Tensor) -> list[torch.Tensor | None] | None:
        """Per layer, [K, batch, units] factors for inverted dropout (0 or 1/(1-p)), or None.

        Inverted dropout scales kept units by 1/(1-p) at train time, so evaluation uses the
        weights as they are -- equal to the notes' test-time scaling by (1-p). Each model draws
        all its masks for a step from its own generator in one call, so a run's numbers do not
        depend on its stack. The masks live in persistent buffers, one contiguous tensor per
        layer: models without dropout keep rows of ones that are never rewritten, so a step
        costs only the dropout models' draws (fresh masks each step, or masks sliced from one
        tensor, made the products slower: README, Performance)."""
        if not self.training or not self.dropout_models:
            return None
        key = (batch, like.dtype, like.device)
        if self._masks is None or self._masks[0] != key:
            self._masks = key, [
                torch.ones(self.n_models, batch, n, dtype=like.dtype, device=like.device) if used else None
                for n, used in zip(self.dropout_sizes, self.masked)
            ]
        masks = self._masks[1]
        for k in self.dropout_models:
            factors = keep_factors(self.generators[k], batch, self.unit_rates[k]).to(like)
            for mask, part in zip(masks, factors.split(self.dropout_sizes, dim=-1)):
                if mask is not None:
                    mask[k] = part
        return masks

    def forward(self, x: torch.Tensor, observe: Callable | None = None) -> torch.Tensor:
        """x: [K, B, in] (each model its own batch) or [B, in] (shared) -> logits [K, B, C].

        `observe(layer, pre, post)` sees every hidden layer's activations (layer statistics).
        """
        h = x if x.dim() == 3 else x.expand(self.n_models, *x.shape)
        keep = self._keep_masks(h.shape[1], h) or [None] * (self.depth + 1)
        if keep[0] is not None:
            h = h * keep[0]
        for layer in range(self.depth):
            pre = _affine(h, self.weights[layer], self.biases[layer])
            slope = self.slopes[layer] if self.slopes else None
            h = self.activation.forward(pre, slope)
            if observe is not None:
                observe(layer, pre, h)
            if keep[layer + 1] is not None:
                h = h * keep[layer + 1]
        return _affine(h, self.weights[-1], self.biases[-1])
