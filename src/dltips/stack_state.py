"""Everything a stack holds per model, and the one way to cut it down to some of its models.

A stack trains K models as one. What belongs to one model -- its parameters, its optimizer
state, its random streams, its initial and best weights, its stopping flags, its penalties --
sits at the model's *position*: along the first dimension of a tensor, or at that index of a
list. When models stop, they leave the stack at the end of their epoch, so they cost nothing
more; `StackState.select(keep)` renumbers every field at once, and each model left in the
stack goes on exactly as it would have in the full one.

select is generic: it cuts each field by the kind of its value (`_cut`), so a new per-model
field is one line in the dataclass and one where it is built, never an edit of select. A
field that cannot be cut on its own names its rule in its metadata (the optimizer is rebuilt
over the selected model's parameters). A per-model feature of the step (a clipping norm) is
not even that: `per_model` stacks every Member field that says how.
"""

import math
from dataclasses import dataclass, field, fields

import torch

from .activations import build as build_activation
from .model import StackedMLP
from .optimizers import PerModelLR
from .penalties import Penalties


def _cut(value, keep: list[int], index: torch.Tensor):
    """`value` at positions `keep`, by its kind: a tensor [K, ...] along its first dimension;
    a list of such tensors (one per layer or parameter) each; anything with select(keep) by
    it; any other list as one entry per position; None stays None."""
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        return value.index_select(0, index)
    if hasattr(value, "select"):
        return value.select(keep)
    if isinstance(value, list):
        if all(isinstance(v, torch.Tensor) for v in value):  # per layer, each stacked
            return [v.index_select(0, index) for v in value]
        return [value[pos] for pos in keep]
    raise TypeError(f"no rule to cut a stack field of type {type(value).__name__} to some models")


class PerModel:
    """Per feature of the step, by its Member field's name: the members' values stacked by the
    rule the field's metadata names (`per_model`), e.g. [K] maximum gradient norms
    (dltips.clipping), or None where no model uses the feature."""

    def __init__(self, values: dict, device: torch.device):
        self.values, self.device = values, device

    @classmethod
    def of(cls, members, device: torch.device) -> "PerModel":
        return cls({f.name: f.metadata["per_model"](members, device)
                    for f in fields(members[0]) if "per_model" in f.metadata}, device)

    def __getattr__(self, name: str):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(f"no per-model feature {name!r}") from None

    def select(self, keep: list[int]) -> "PerModel":
        index = torch.tensor(keep, device=self.device)
        return PerModel({name: _cut(value, keep, index) for name, value in self.values.items()}, self.device)


def _optimizer_of_selected_model(optimizer: PerModelLR, keep: list[int], picked: dict) -> PerModelLR:
    return optimizer.select(keep, list(picked["model"].parameters()))


@dataclass(frozen=True)
class ModelWeights:
    """One model's final and best parameters (best: None where nothing in its stack restores
    them), in the order of the stack's parameters, and whether it diverged."""

    final: list[torch.Tensor]
    best: list[torch.Tensor] | None
    diverged: bool


@dataclass
class StackState:
    """The per-position state of a stack; fields are cut by select in this order."""

    model: StackedMLP
    optimizer: PerModelLR = field(metadata={"select": _optimizer_of_selected_model})
    members_at: list[int]  # position -> index of its member; per-member records keep that index
    shuffle_rngs: list[torch.Generator]
    initial: list[torch.Tensor]  # per weight matrix [K, in, out]: where each model started
    # per parameter, the best epoch's values; empty where no model restores them (early stopping)
    best_state: list[torch.Tensor]
    best_val: torch.Tensor  # [K] best validation loss so far
    active: torch.Tensor  # [K] bool: still training
    diverged: torch.Tensor  # [K] bool
    penalties: Penalties
    per_model: PerModel  # each per-model feature of the step (gradient clipping)

    @classmethod
    def build(cls, cfg, members, n_features: int, n_classes: int, device: torch.device) -> "StackState":
        """The stack of `members` before its first update: each model initialised from its
        own seed, the optimizer at each model's rate."""
        k = len(members)
        model = StackedMLP(
            k, n_features, cfg.model["width"], cfg.model["depth"], n_classes,
            build_activation(cfg.activation, cfg.model),
            [m.init for m in members],
            [torch.Generator().manual_seed(m.seed) for m in members],
            dropout_input=[m.reg.dropout_input for m in members],
            dropout_hidden=[m.reg.dropout_hidden for m in members],
        ).to(device)
        if device.type != "cpu":
            # dropout masks drawn where they are used: a host generator would copy each step's
            # masks over and wait for the device; the device's generator gives other numbers
            model.generators = [torch.Generator(device).manual_seed(m.seed) for m in members]
        # the best epoch's weights are kept only where early stopping will restore them
        restores = any(m.reg.patience is not None for m in members)
        return cls(
            model=model,
            optimizer=PerModelLR(cfg.optimizer, list(model.parameters()), [m.lr for m in members],
                                 cfg.optimizer_params),
            members_at=list(range(k)),
            # shuffling has its own stream, so adding dropout to a run does not change its batches
            shuffle_rngs=[torch.Generator().manual_seed(10_000 + m.seed) for m in members],
            initial=[w.detach().clone() for w in model.weights],
            best_state=[p.detach().clone() for p in model.parameters()] if restores else [],
            best_val=torch.full((k,), math.inf, device=device),
            active=torch.ones(k, dtype=torch.bool, device=device),
            diverged=torch.zeros(k, dtype=torch.bool, device=device),
            penalties=Penalties.of(members, device),
            per_model=PerModel.of(members, device),
        )

    @property
    def n_models(self) -> int:
        return self.model.n_models

    def select(self, keep: list[int]) -> "StackState":
        """The state of the models at positions `keep` only, in that order: each model's
        parameters, optimizer state, random streams and every other field as they are now."""
        index = torch.tensor(keep, device=self.active.device)
        picked: dict = {}
        for f in fields(self):
            value, rule = getattr(self, f.name), f.metadata.get("select")
            picked[f.name] = rule(value, keep, picked) if rule else _cut(value, keep, index)
        return type(self)(**picked)

    @torch.no_grad()
    def weights_of(self, pos: int) -> ModelWeights:
        """A copy of the weights of the model at `pos`, for its results once it leaves."""
        return ModelWeights(
            final=[p[pos].detach().clone() for p in self.model.parameters()],
            best=[b[pos].clone() for b in self.best_state] if self.best_state else None,
            diverged=bool(self.diverged[pos]),
        )
