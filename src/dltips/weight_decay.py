"""Decoupled weight decay per model of a stack (Loshchilov & Hutter 2019; torch.optim.AdamW).

Before each optimizer step a decaying model's weight matrices shrink by its own factor,
w <- w * (1 - lr * weight_decay), apart from its gradient. Decoupled rather than added to the
gradient: an L2 gradient is the l2 regularizer already (dltips.penalties), and under an
adaptive optimizer (adagrad, rmsprop, adam) it is divided by each weight's running gradient
scale, so a weight would decay by its gradient history; decoupled, every weight decays by
the same factor under every optimizer (under plain SGD the two are the same update). Weight
matrices only, never biases or PReLU slopes, as the penalties (dltips.regularizers says why).
A model without decay is multiplied by exactly 1, so the others of a stack compute what they
compute alone.
"""

from collections.abc import Sequence

import torch


def decay_factors(members: Sequence, device: torch.device) -> torch.Tensor | None:
    """[K] factors 1 - lr * weight_decay of the members (Member.weight_decay; 1: no decay), or
    None where no model decays: then the step does nothing at all for decay. Each factor is
    computed in double precision and rounded once, as torch.optim.AdamW computes its own."""
    if not any(m.weight_decay for m in members):
        return None
    return torch.tensor([1.0 - m.lr * m.weight_decay for m in members], device=device)


@torch.no_grad()
def decay_weights_(weights: Sequence[torch.Tensor], factors: torch.Tensor | None, active: torch.Tensor) -> None:
    """Shrink each model's stacked weight matrices ([K, in, out] each) by its factor, in place
    and on the device; a frozen model (diverged or stopped: not `active`) keeps its weights."""
    if factors is None:
        return
    factor = torch.where(active, factors, 1.0).view(-1, 1, 1)
    for w in weights:
        w.mul_(factor)
