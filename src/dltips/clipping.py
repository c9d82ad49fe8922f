"""Gradient-norm clipping per model of a stack.

Each model's gradient, all its parameters together, is scaled down to at most its own
maximum norm, by the rule torch.nn.utils.clip_grad_norm_ applies to one model:
g <- g * min(1, max_norm / (||g|| + 1e-6)). A model without a maximum (inf) is left exactly
as it is, whatever its gradient, so the others of a stack compute what they compute alone.
"""

from collections.abc import Iterable, Sequence

import torch

# torch.nn.utils.clip_grad_norm_'s guard against dividing by a zero norm
EPS = 1e-6


def max_norms(members: Sequence, device: torch.device) -> torch.Tensor | None:
    """[K] maximum gradient norms of the members (Member.max_grad_norm; inf: not clipped), or
    None where no model clips: then the step does nothing at all for clipping."""
    limits = [m.max_grad_norm for m in members]
    if all(limit is None for limit in limits):
        return None
    return torch.tensor([torch.inf if limit is None else float(limit) for limit in limits], device=device)


@torch.no_grad()
def clip_gradient_norms_(params: Iterable[torch.Tensor], max_norm: torch.Tensor | None) -> None:
    """Clip each model's gradient of the stacked `params` ([K, ...] each) in place, on the
    device: no value is read back to the host."""
    if max_norm is None:
        return
    grads = [p.grad for p in params]
    # [K, parameters] then along each row: a model's norm is reduced over a contiguous row, as
    # alone (across a column of the transpose, the reduction order depends on K: last bits differ)
    norms = torch.stack([g.flatten(1).norm(dim=1) for g in grads], dim=1).norm(dim=1)
    scale = torch.where(max_norm.isinf(), 1.0, (max_norm / (norms + EPS)).clamp(max=1.0))
    for g in grads:
        g.mul_(scale.view((-1,) + (1,) * (g.dim() - 1)))
