"""The L1 and L2 penalties of a stack's models, applied around the optimizer's step.

Each model's strengths come from its member's regularization; only the models with a
non-zero strength are touched, so a stack whose models carry no penalty pays nothing.
Penalties apply to weight matrices only (dltips.regularizers says why).
"""

from collections.abc import Sequence

import torch


def _penalised(strengths: list[float], device: torch.device):
    """(stack positions, strengths [n, 1, 1]) of the models with a non-zero strength, or None."""
    strengths = torch.tensor(strengths, device=device)
    which = strengths.nonzero().flatten()
    return (which, strengths[which].view(-1, 1, 1)) if len(which) else None


class Penalties:
    """Per stack position: the L1 strength taken by its subgradient, the L2 strength, and
    the soft threshold lr * l1 of a model that takes its L1 by the proximal step."""

    def __init__(self, l1: list[float], l2: list[float], prox_threshold: list[float], device: torch.device):
        self.l1, self.l2, self.prox_threshold, self.device = l1, l2, prox_threshold, device
        self.l1_models = _penalised(l1, device)
        self.l2_models = _penalised(l2, device)
        self.l1_prox_models = _penalised(prox_threshold, device)

    @classmethod
    def of(cls, members: Sequence, device: torch.device) -> "Penalties":
        regs = [m.reg for m in members]
        return cls([0.0 if r.l1_prox else r.l1 for r in regs], [r.l2 for r in regs],
                   [m.lr * r.l1 if r.l1_prox else 0.0 for m, r in zip(members, regs)], device)

    def select(self, keep: list[int]) -> "Penalties":
        """The penalties of the models at positions `keep`, renumbered as the stack is."""
        return Penalties(*([values[pos] for pos in keep] for values in (self.l1, self.l2, self.prox_threshold)),
                         self.device)

    @torch.no_grad()
    def add_gradients(self, weights: Sequence[torch.Tensor]) -> None:
        """Add the L1/L2 penalties' gradients to the weight matrices' gradients.

        d/dw of l1 * sum|w| is l1 * sgn(w); of l2/2 * sum w^2 it is l2 * w. Added straight to
        the gradients of the models that have a penalty, not built into the loss: autograd over
        penalty terms of every model in the stack cost a tenth of a grid job's training
        (profiled), most of it on models whose strength is 0."""
        for w in weights:
            if self.l1_models is not None:
                which, strength = self.l1_models
                w.grad.index_add_(0, which, w.index_select(0, which).sign_().mul_(strength))
            if self.l2_models is not None:
                which, strength = self.l2_models
                w.grad.index_add_(0, which, w.index_select(0, which).mul_(strength))

    @torch.no_grad()
    def soft_threshold(self, weights: Sequence[torch.Tensor], active: torch.Tensor) -> None:
        """The proximal step of the L1 penalty, after the optimizer's data step:
        w <- sgn(w) * max(|w| - lr*l1, 0) on the weight matrices of the models that take L1
        this way (frozen models keep their weights: their threshold is 0)."""
        if self.l1_prox_models is None:
            return
        which, threshold = self.l1_prox_models
        threshold = threshold * active.index_select(0, which).view(-1, 1, 1)
        for w in weights:
            picked = w.index_select(0, which)
            shrunk = picked.abs().sub_(threshold).clamp_(min=0).mul_(picked.sign())
            w.index_copy_(0, which, shrunk)
