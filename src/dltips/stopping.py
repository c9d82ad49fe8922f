"""Which models of a stack stop training, and when.

A model whose loss turns non-finite is frozen and marked diverged, on the device, inside the
step (`stop_diverged`); the others go on. A model whose loss exploded and is still exploded,
though finite, where it ends is marked diverged then (`Stopping`'s divergence_factor). At the
end of every epoch (epoch 0 included) the stack's best validation losses, best epochs and best
weights are brought up to date, and the stopping policies decide in turn who stops now: early
stopping (a member's patience without a new best; its best weights are reported), plateau
stopping (StackConfig.plateau_patience; the final weights are reported), and any policy the
caller adds (learning-rate tuning's successive halving). A stopped model leaves the stack at
the end of its epoch (dltips.trainer).

A policy is a callable policy(view) -> the stack positions it stops, given an `EpochView`: what
the stack looks like on the host at the end of the epoch. It stops only positions still
training, and remembers whom it stopped where a run's record says so.
"""

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import torch

from .stack_state import StackState


def stop_diverged(state: StackState, loss: torch.Tensor) -> None:
    """Freeze and mark diverged every training model whose `loss` ([K]) is not finite,
    without reading anything back to the host (it runs in every step)."""
    finite = torch.isfinite(loss)
    state.diverged |= state.active & ~finite
    state.active &= finite


@dataclass
class EpochView:
    """The stack at the end of an epoch, on the host, as the stopping policies see it."""

    epoch: int
    members_at: list[int]  # position -> member
    active: list[bool]  # per position: still training, as the policies before this one left it
    best_epoch: list[int]  # per member: its last new best validation loss
    val_accuracy_on_device: torch.Tensor = field(repr=False)  # [K] this epoch's

    @cached_property
    def val_accuracy(self) -> list[float]:
        """Per position; read from the device only where a policy asks."""
        return self.val_accuracy_on_device.tolist()

    def training(self) -> Iterator[tuple[int, int]]:
        """(position, member) of every model still training."""
        return ((pos, k) for pos, k in enumerate(self.members_at) if self.active[pos])


class StoppingPolicy(Protocol):
    def __call__(self, view: EpochView) -> Iterable[int]: ...


class EarlyStopping:
    """A member with a patience (Regularization.patience) stops after that many epochs
    without a new best validation loss, and reports its best epoch's weights (`restores`)."""

    def __init__(self, members: Sequence):
        self.patience = [m.reg.patience for m in members]
        self.restores = [p is not None for p in self.patience]

    def __call__(self, view: EpochView) -> list[int]:
        return [pos for pos, k in view.training()
                if self.patience[k] is not None and view.epoch - view.best_epoch[k] >= self.patience[k]]


class PlateauStop:
    """Every model stops once its validation loss has not improved for `patience` epochs,
    reporting its final weights: "trained until the validation loss has plateaued"."""

    def __init__(self, patience: int):
        self.patience = patience
        self.stopped: set[int] = set()  # members it stopped

    def __call__(self, view: EpochView) -> list[int]:
        stops = [pos for pos, k in view.training() if view.epoch - view.best_epoch[k] >= self.patience]
        self.stopped.update(view.members_at[pos] for pos in stops)
        return stops


class Stopping:
    """The stack's stopping rules: its members' early stopping, plateau stopping where
    `plateau_patience` is set, then `policies` in order.

    Where `divergence_factor` is set, a model whose validation loss at its last epoch (the
    `epochs`-th, or the one where a rule stops it) exceeds that factor times its epoch-0
    validation loss is marked diverged: its loss exploded and did not come back, though it
    stayed finite, so its results are no outcome of training (the factor's why:
    training.divergence_factor in the config). Judged where the model ends, not at every epoch:
    at a high rate a run's loss can leap a thousandfold for an epoch and come back to train (SGD
    on one hidden ReLU layer in the default study), and such a run is not diverged. The
    validation loss is measured for every model of every stack (rate tuning too); an explosion
    shows in it as in the training loss, and overfitting raises it far less."""

    def __init__(self, members: Sequence, plateau_patience: int | None = None,
                 policies: Sequence[StoppingPolicy] = (), divergence_factor: float | None = None,
                 epochs: int | None = None):
        self.best_epoch = [0] * len(members)  # per member
        self.early = EarlyStopping(members)
        self.plateau = PlateauStop(plateau_patience) if plateau_patience is not None else None
        self.policies = [self.early, *([self.plateau] if self.plateau else []), *policies]
        self.divergence_factor, self.epochs = divergence_factor, epochs
        self.loss_ceiling = [math.inf] * len(members)  # per member: divergence_factor x its epoch-0 loss

    def stopped_on_plateau(self, k: int) -> bool:
        return self.plateau is not None and k in self.plateau.stopped

    @torch.no_grad()
    def end_of_epoch(self, epoch: int, state: StackState,
                     val: tuple[torch.Tensor, torch.Tensor]) -> tuple[bool, list[bool]]:
        """Track the best validation loss (and the best weights where they are kept), then
        stop whom the policies stop. `val`: this epoch's validation (loss [K], accuracy [K]).
        Returns whether some model reached a new best, and per position whether it trains on."""
        val_loss, val_accuracy = val
        improved = state.active & (val_loss < state.best_val)
        state.best_val = torch.where(improved, val_loss, state.best_val)
        for best, p in zip(state.best_state, state.model.parameters()):
            best.copy_(torch.where(improved.view((-1,) + (1,) * (p.dim() - 1)), p, best))
        active, improved = state.active.tolist(), improved.tolist()
        for k, better in zip(state.members_at, improved):
            if better:
                self.best_epoch[k] = epoch
        view = EpochView(epoch, state.members_at, active, self.best_epoch, val_accuracy)
        for policy in self.policies:
            for pos in policy(view):
                view.active[pos] = False
                state.active[pos] = False
        if self.divergence_factor is not None:
            self._mark_exploded(epoch, state, val_loss.tolist(), view.active)
        return any(improved), view.active

    def _mark_exploded(self, epoch: int, state: StackState, val_loss: list[float], active: list[bool]) -> None:
        """Epoch 0 sets each member's ceiling; a model ending its training here above its ceiling
        is marked diverged (class docstring)."""
        for pos, k in enumerate(state.members_at):
            if epoch == 0:
                self.loss_ceiling[k] = self.divergence_factor * val_loss[pos]
            elif (not active[pos] or epoch == self.epochs) and val_loss[pos] > self.loss_ceiling[k]:
                state.diverged[pos] = True
