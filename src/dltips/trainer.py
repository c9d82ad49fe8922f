"""Train a stack of K models side by side: the loop.

The pieces, each in its module: the stack's per-model state and how models leave it
(dltips.stack_state), the step's penalties (dltips.penalties) and gradient clipping
(dltips.clipping), evaluation and records (dltips.recorder), and who stops when
(dltips.stopping). Every epoch: each model's updates, evaluation, stopping, records, then the
observers (progress logs); a model that stopped leaves the stack at the end of its epoch.

A new per-model feature of the step (a schedule, a clipping norm, a weight decay) is a
training setting (dltips.training_settings), a Member field of the same name naming how the
stack holds it, and one line of `Trainer.train_epoch`, its code in a module of its own:
max_grad_norm (dltips.clipping) and weight_decay (dltips.weight_decay) are two.
"""

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import torch

from .clipping import clip_gradient_norms_, max_norms
from .data import SPLITS, Dataset
from .phases import PhaseClock
from .recorder import Recorder, RunResult
from .recorder import per_model_ce as _per_model_ce
from .regularizers import Regularization
from .stack_state import ModelWeights, StackState
from .stopping import Stopping, StoppingPolicy, stop_diverged
from .training_settings import DEFAULTS, TrainingSettings
from .weight_decay import decay_factors, decay_weights_

__all__ = ["Member", "RunResult", "StackConfig", "Trainer", "_per_model_ce",
           "resolve_device", "train"]


@dataclass(frozen=True)
class Member:
    """One model of the stack: what may differ between models trained side by side."""

    seed: int
    lr: float
    reg: Regularization
    init: str = "default"
    # Per-model features of the step: each is the training setting of its name (its default,
    # range and why there), and its metadata's `per_model` stacks the members' values for the
    # step (StackState.per_model; None where no model uses it, so the step does nothing).
    max_grad_norm: float | None = field(default=DEFAULTS.max_grad_norm, metadata={"per_model": max_norms})
    weight_decay: float = field(default=DEFAULTS.weight_decay, metadata={"per_model": decay_factors})

    @classmethod
    def of(cls, training: TrainingSettings, seed: int, lr: float, reg: Regularization, init: str) -> "Member":
        """A model of a job, trained or tuned: its own seed, rate, regularization and init, and
        every per-model feature the job's training settings set."""
        features = {f.name: getattr(training, f.name) for f in fields(cls) if "per_model" in f.metadata}
        return cls(seed=seed, lr=lr, reg=reg, init=init, **features)


@dataclass(frozen=True)
class StackConfig:
    """What every model of a stack shares; the training settings' defaults are theirs
    (dltips.training_settings)."""

    activation: str
    optimizer: str
    model: dict  # depth, width, maxout_pieces
    optimizer_params: dict = field(default_factory=dict)
    epochs: int = DEFAULTS.epochs
    batch_size: int = DEFAULTS.batch_size
    probe_size: int = DEFAULTS.probe_size
    # per-layer statistics at epoch 0, at these epochs, every `stats_every` epochs (None: no
    # more) and at each model's last: where something reads them (claims.layer_schedule)
    stats_epochs: tuple[int, ...] = ()
    stats_every: int | None = DEFAULTS.stats_every
    train_eval_size: int | None = DEFAULTS.train_eval_size  # None: as many as the test split
    eval_seed: int = 0
    # What is recorded. Learning-rate tuning decides on validation accuracy and keeps each
    # candidate's last training loss (jobs.stack_config): no test split, no layer statistics.
    splits: tuple[str, ...] = SPLITS
    # every split at every epoch (a claim draws the course of training); False: the splits
    # besides validation only at the epochs a run's summary can read, those where some model
    # reaches a new best validation loss and each model's last (plan: claims.curve_studies)
    curves: bool = True
    layer_stats: bool = True
    # Stop a model once its validation loss has not improved for this many epochs, reporting its
    # final weights: "trained until the validation loss has plateaued", a stopping rule that,
    # unlike the early_stopping regularizer, does not restore the best epoch's weights.
    plateau_patience: int | None = DEFAULTS.plateau_patience
    # a model whose loss ends above this many times its initial loss has diverged (dltips.stopping);
    # None: only a non-finite loss diverges
    divergence_factor: float | None = DEFAULTS.divergence_factor


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


Observer = Callable[["Trainer", int], None]


class Trainer:
    """Trains `members` side by side. `observers` see the trainer after every epoch's records,
    as observer(trainer, epoch), before the models that stopped in it leave the stack; they
    change nothing. `stopping`: policies that stop models besides early stopping and the
    plateau (dltips.stopping). `clock`: where evaluation and layer statistics charge their
    seconds (dltips.phases); it changes nothing either."""

    def __init__(self, cfg: StackConfig, members: Sequence[Member], data: Dataset, device: str = "cpu",
                 observers: Sequence[Observer] = (), stopping: Sequence[StoppingPolicy] = (),
                 clock: PhaseClock | None = None):
        self.cfg, self.members, self.observers = cfg, list(members), list(observers)
        self.device = resolve_device(device)
        self.x = {s: torch.from_numpy(data.x[s]).to(self.device) for s in SPLITS}
        self.y = {s: torch.from_numpy(data.y[s]).to(self.device) for s in SPLITS}
        self.recorder = Recorder(cfg, self.x, self.y, len(self.members), self.device, clock)
        self.state = StackState.build(cfg, self.members, data.n_features, data.n_classes, self.device)
        self.stopping = Stopping(self.members, cfg.plateau_patience, stopping, cfg.divergence_factor, cfg.epochs)
        self.left: dict[int, ModelWeights] = {}  # member -> its weights, once it left the stack

    @property
    def model(self):
        """The stack's models still training (and those stopping in this epoch)."""
        return self.state.model

    def train_epoch(self) -> None:
        """One pass over the training split, each model on its own shuffle. The step reads
        nothing back to the host, so a GPU runs it ahead."""
        s = self.state
        s.model.train()
        n = len(self.y["train"])
        perms = torch.stack([torch.randperm(n, generator=g) for g in s.shuffle_rngs]).to(self.device)
        for start in range(0, n, self.cfg.batch_size):
            idx = perms[:, start : start + self.cfg.batch_size]
            loss = _per_model_ce(s.model(self.x["train"][idx]), self.y["train"][idx])
            s.optimizer.zero_grad()
            loss.sum().backward()
            s.penalties.add_gradients(s.model.weights)
            clip_gradient_norms_(s.model.parameters(), s.per_model.max_grad_norm)
            stop_diverged(s, loss)
            decay_weights_(s.model.weights, s.per_model.weight_decay, s.active)
            s.optimizer.step(s.active)
            s.penalties.soft_threshold(s.model.weights, s.active)

    def start(self) -> None:
        """Epoch 0: every model evaluated and recorded before its first update."""
        metrics = self.recorder.evaluate(self.model)
        _, active = self.stopping.end_of_epoch(0, self.state, metrics["val"])
        self.recorder.record(0, metrics, self.state, active)
        self._drop_stopped(active)

    def run_epoch(self, epoch: int) -> bool:
        """One epoch of fit(): updates, evaluation, stopping, records; False once no model trains."""
        if not bool(self.state.active.any()):
            return False
        self.train_epoch()
        metrics = self.recorder.evaluate(self.model, None if self.cfg.curves else ("val",))
        stop_diverged(self.state, metrics["val"][0])
        # first: who stops now gets this epoch's evaluation and statistics
        improved, active = self.stopping.end_of_epoch(epoch, self.state, metrics["val"])
        if not self.cfg.curves and (improved or epoch == self.cfg.epochs or not all(active)):
            metrics = self.recorder.evaluate(self.model, more=True)  # an epoch some run's summary reads
        self.recorder.record(epoch, metrics, self.state, active)
        for observer in self.observers:
            observer(self, epoch)
        self._drop_stopped(active)
        return True

    def _drop_stopped(self, active: list[bool]) -> None:
        """Take the models that stopped this epoch out of the stack (keeping their weights for
        the results), so the rest train without paying for them (in the relu/adam grid job
        the early-stopping runs stop at epochs 11-22 of 40)."""
        keep = [pos for pos, training in enumerate(active) if training]
        if len(keep) == self.state.n_models or not keep:
            return
        for pos in sorted(set(range(self.state.n_models)) - set(keep)):
            self.left[self.state.members_at[pos]] = self.state.weights_of(pos)
        self.state = self.state.select(keep)

    def fit(self) -> list[RunResult]:
        start = time.perf_counter()
        self.start()
        for epoch in range(1, self.cfg.epochs + 1):
            if not self.run_epoch(epoch):
                break
        seconds = (time.perf_counter() - start) / len(self.members)
        names = [n for n, _ in self.model.named_parameters()]
        return [self.recorder.result(k, self._weights_of(k), names, self.stopping.early.restores[k],
                                     self.stopping.best_epoch[k], self.stopping.stopped_on_plateau(k), seconds,
                                     len(self.members))
                for k in range(len(self.members))]

    def _weights_of(self, k: int) -> ModelWeights:
        """Member k's weights, in or out of the stack."""
        return self.left[k] if k in self.left else self.state.weights_of(self.state.members_at.index(k))


def train(cfg: StackConfig, members: Sequence[Member], data: Dataset, device: str = "cpu",
          observers: Sequence[Observer] = (), stopping: Sequence[StoppingPolicy] = (),
          clock: PhaseClock | None = None) -> list[RunResult]:
    return Trainer(cfg, members, data, device, observers, stopping, clock).fit()
