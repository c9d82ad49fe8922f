"""Train a stack of K models side by side and record everything the claims need.

Protocol (as DeepOBS): evaluate validation loss and accuracy at epoch 0 and after every epoch,
and train and test loss and accuracy there too where the course of training is read
(StackConfig.curves), else where a run's summary can read them; the train split is evaluated
on a fixed subset of the size of the test set. Per-layer statistics are taken on a fixed
probe batch at the epochs StackConfig names. A model whose loss
turns non-finite is frozen and marked diverged; the others go on. Early stopping freezes a
model after `patience` epochs without a new best validation loss and restores its best
weights. A frozen model leaves the stack at the end of its epoch, so it costs nothing more.
"""

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from .activations import build as build_activation
from .data import SPLITS, Dataset
from .model import StackedMLP
from .optimizers import PerModelLR
from .regularizers import Regularization

# Samples per evaluation forward. Small enough that a stack's activations stay in the CPU's
# cache and their buffers are reused, where one forward of every evaluated sample allocates
# megabytes per layer and runs slower (README: Performance); results are identical either way.
EVAL_CHUNK = 256


@dataclass(frozen=True)
class Member:
    """One model of the stack: what may differ between models trained side by side."""

    seed: int
    lr: float
    reg: Regularization
    init: str = "default"


@dataclass(frozen=True)
class StackConfig:
    """What every model of a stack shares."""

    activation: str
    optimizer: str
    model: dict  # depth, width, maxout_pieces
    optimizer_params: dict = field(default_factory=dict)
    epochs: int = 50
    batch_size: int = 128
    probe_size: int = 512
    # per-layer statistics at epoch 0, at these epochs, every `stats_every` epochs (None: no
    # more) and at each model's last: where something reads them (claims.layer_schedule)
    stats_epochs: tuple[int, ...] = ()
    stats_every: int | None = 1
    train_eval_size: int | None = None  # None: as many as the test split
    eval_seed: int = 0
    # What is recorded. Learning-rate tuning reads only validation accuracy, so it evaluates
    # the validation split alone and takes no layer statistics: it pays for nothing it throws away.
    splits: tuple[str, ...] = SPLITS
    # every split at every epoch (a claim draws the course of training); False: the splits
    # besides validation only at the epochs a run's summary can read, those where some model
    # reaches a new best validation loss and each model's last (plan: claims.curve_studies)
    curves: bool = True
    layer_stats: bool = True
    # Stop a model once its validation loss has not improved for this many epochs, reporting its
    # final weights: "trained until the validation loss has plateaued", a stopping rule that,
    # unlike the early_stopping regularizer, does not restore the best epoch's weights.
    plateau_patience: int | None = None


@dataclass
class RunResult:
    epochs: list[dict]  # rows of tables.EPOCH_COLUMNS
    layers: list[dict]  # rows of tables.LAYER_COLUMNS; none where nothing reads them (StackConfig.layer_stats)
    summary: dict
    state: dict  # the reported weights of this model alone


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _per_model_ce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each model: logits [K, B, C], y [K, B] or [B] -> [K]."""
    k, b, c = logits.shape
    y = y.expand(k, b) if y.dim() == 1 else y
    return F.cross_entropy(logits.reshape(k * b, c), y.reshape(-1), reduction="none").view(k, b).mean(1)


class Trainer:
    """Trains `members` side by side. `callbacks` run after every epoch's records as
    callback(trainer, epoch); the stack holds the models still training, and
    trainer.members_at[position] is the member index of each."""

    def __init__(
        self,
        cfg: StackConfig,
        members: Sequence[Member],
        data: Dataset,
        device: str = "cpu",
        callbacks: Sequence[Callable[["Trainer", int], None]] = (),
    ):
        self.cfg, self.members, self.callbacks = cfg, list(members), list(callbacks)
        self.device = resolve_device(device)
        k = len(self.members)
        self.x = {s: torch.from_numpy(data.x[s]).to(self.device) for s in SPLITS}
        self.y = {s: torch.from_numpy(data.y[s]).to(self.device) for s in SPLITS}
        n_eval = cfg.train_eval_size or len(self.y["test"])
        fixed = torch.Generator().manual_seed(cfg.eval_seed)
        order = torch.randperm(len(self.y["train"]), generator=fixed)
        self.train_eval_idx = order[: min(n_eval, len(order))].to(self.device)
        self.probe_idx = order[: min(cfg.probe_size, len(order))].to(self.device)
        if "val" not in cfg.splits:
            raise ValueError(f"StackConfig.splits must include 'val' (stopping reads it), got {cfg.splits}")
        # the evaluated sets in one tensor: one forward pass per chunk, not per split
        eval_parts = {s: i for s, i in (("train", self.train_eval_idx), ("val", None), ("test", None))
                      if s in cfg.splits}
        xs = [self.x[s][i] if i is not None else self.x[s] for s, i in eval_parts.items()]
        ys = [self.y[s][i] if i is not None else self.y[s] for s, i in eval_parts.items()]
        self.eval_x, self.eval_y = torch.cat(xs), torch.cat(ys)
        bounds = torch.tensor([0] + [len(y) for y in ys]).cumsum(0).tolist()
        self.eval_slices = {s: slice(a, b) for s, a, b in zip(eval_parts, bounds[:-1], bounds[1:])}
        # one grid of chunks whichever splits are evaluated, so a split's numbers never depend
        # on which others are evaluated with it; the chunks each split needs
        n = len(self.eval_y)
        self.eval_chunks = [slice(a, min(a + EVAL_CHUNK, n)) for a in range(0, n, EVAL_CHUNK)]
        self.chunks_of = {s: {i for i, c in enumerate(self.eval_chunks) if c.start < sl.stop and sl.start < c.stop}
                          for s, sl in self.eval_slices.items()}
        self._evaluated: tuple[torch.Tensor, torch.Tensor, set] | None = None  # this epoch's, so far

        self.activation = build_activation(cfg.activation, cfg.model)
        init_rngs = [torch.Generator().manual_seed(m.seed) for m in self.members]
        self.model = StackedMLP(
            k,
            data.n_features,
            cfg.model["width"],
            cfg.model["depth"],
            data.n_classes,
            self.activation,
            [m.init for m in self.members],
            init_rngs,
            dropout_input=[m.reg.dropout_input for m in self.members],
            dropout_hidden=[m.reg.dropout_hidden for m in self.members],
        ).to(self.device)
        if self.device.type != "cpu":
            # dropout masks drawn where they are used: a host generator would copy each step's
            # masks over and wait for the device; the device's generator gives other numbers
            self.model.generators = [torch.Generator(self.device).manual_seed(m.seed) for m in self.members]
        # shuffling has its own stream, so adding dropout to a run does not change its batches
        self.shuffle_rngs = [torch.Generator().manual_seed(10_000 + m.seed) for m in self.members]
        self.initial = [w.detach().clone() for w in self.model.weights]
        self.optimizer = PerModelLR(
            cfg.optimizer, list(self.model.parameters()), [m.lr for m in self.members], cfg.optimizer_params
        )
        # Position in the stack -> index into self.members. Models that stop (early stopping,
        # divergence) leave the stack at the end of their epoch (see _drop_stopped), so the
        # positions are renumbered while per-member records keep the member's index.
        self.members_at = list(range(k))
        self.stopped: dict[int, dict] = {}  # member -> its final and best parameters on leaving
        self._set_penalties()
        self.active = torch.ones(k, dtype=torch.bool, device=self.device)
        self.diverged = torch.zeros(k, dtype=torch.bool, device=self.device)
        self.best_val = torch.full((k,), math.inf, device=self.device)
        self.best_epoch = [0] * k
        self.epochs_run = [0] * k
        self.stopped_on_plateau = [False] * k
        # the best epoch's weights are kept only where early stopping will restore them
        self.restores = [m.reg.patience is not None for m in self.members]
        self.keep_best = any(self.restores)
        self.best_state = [p.detach().clone() for p in self.model.parameters()] if self.keep_best else []
        self.epoch_rows: list[list[dict]] = [[] for _ in range(k)]
        self.layer_rows: list[list[dict]] = [[] for _ in range(k)]

    # ---- one epoch of updates -------------------------------------------------------
    def _set_penalties(self) -> None:
        """(stack positions, strengths [n, 1, 1]) of the models with a non-zero L1 / L2 penalty."""

        def penalised(strengths: list[float]):
            strengths = torch.tensor(strengths, device=self.device)
            which = strengths.nonzero().flatten()
            return (which, strengths[which].view(-1, 1, 1)) if len(which) else None

        regs = [self.members[k].reg for k in self.members_at]
        self.l1_models = penalised([0.0 if r.l1_prox else r.l1 for r in regs])
        self.l2_models = penalised([r.l2 for r in regs])
        # proximal L1: the soft threshold lr * l1 of each model that takes its L1 by that step
        self.l1_prox_models = penalised([self.members[k].lr * r.l1 if r.l1_prox else 0.0
                                         for k, r in zip(self.members_at, regs)])

    def _add_penalty_gradients(self) -> None:
        """Add the L1/L2 penalties' gradients to the weight matrices' gradients.

        d/dw of l1 * sum|w| is l1 * sgn(w); of l2/2 * sum w^2 it is l2 * w. Added straight to
        the gradients of the models that have a penalty, not built into the loss: autograd over
        penalty terms of every model in the stack cost a tenth of a grid job's training
        (profiled), most of it on models whose strength is 0."""
        with torch.no_grad():
            for w in self.model.weights:
                if self.l1_models is not None:
                    which, strength = self.l1_models
                    w.grad.index_add_(0, which, w.index_select(0, which).sign_().mul_(strength))
                if self.l2_models is not None:
                    which, strength = self.l2_models
                    w.grad.index_add_(0, which, w.index_select(0, which).mul_(strength))

    @torch.no_grad()
    def _soft_threshold(self) -> None:
        """The proximal step of the L1 penalty, after the optimizer's data step:
        w <- sgn(w) * max(|w| - lr*l1, 0) on the weight matrices of the models that take L1
        this way (frozen models keep their weights: their threshold is 0)."""
        if self.l1_prox_models is None:
            return
        which, threshold = self.l1_prox_models
        threshold = threshold * self.active.index_select(0, which).view(-1, 1, 1)
        for w in self.model.weights:
            picked = w.index_select(0, which)
            shrunk = picked.abs().sub_(threshold).clamp_(min=0).mul_(picked.sign())
            w.index_copy_(0, which, shrunk)

    def train_epoch(self) -> None:
        self.model.train()
        n = len(self.y["train"])
        perms = torch.stack([torch.randperm(n, generator=g) for g in self.shuffle_rngs]).to(self.device)
        for start in range(0, n, self.cfg.batch_size):
            idx = perms[:, start : start + self.cfg.batch_size]
            logits = self.model(self.x["train"][idx])
            loss = _per_model_ce(logits, self.y["train"][idx])
            self.optimizer.zero_grad()
            loss.sum().backward()
            self._add_penalty_gradients()
            finite = torch.isfinite(loss)
            self.diverged |= self.active & ~finite
            self.active &= finite
            self.optimizer.step(self.active)
            self._soft_threshold()

    # ---- measurements -------------------------------------------------------------
    @torch.no_grad()
    def evaluate(self, splits: Sequence[str] | None = None, more: bool = False) -> dict:
        """split -> (loss [K], accuracy [K]) in eval mode (no dropout), for `splits` (default:
        every evaluated split). `more`: add splits to this epoch's evaluation so far, computing
        only the chunks it has not."""
        self.model.eval()
        splits = tuple(self.eval_slices) if splits is None else tuple(splits)
        k = self.model.n_models
        if not more or self._evaluated is None:
            self._evaluated = (torch.empty(k, len(self.eval_y), device=self.device),
                               torch.empty(k, len(self.eval_y), device=self.device), set())
        losses, hits, done = self._evaluated
        for i in sorted(set().union(*(self.chunks_of[s] for s in splits)) - done):
            chunk = self.eval_chunks[i]
            logits = self.model(self.eval_x[chunk])
            y = self.eval_y[chunk].expand(k, -1)
            losses[:, chunk] = F.cross_entropy(logits.transpose(1, 2), y, reduction="none")
            hits[:, chunk] = (logits.argmax(-1) == y).float()
            done.add(i)
        return {s: (losses[:, sl].mean(1), hits[:, sl].mean(1)) for s, sl in self.eval_slices.items() if s in splits}

    def layer_statistics(self) -> list[dict[str, torch.Tensor]]:
        """Per layer (input side first), each a [K] tensor, on the fixed probe batch."""
        self.model.eval()
        seen: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

        def observe(layer, pre, post):
            seen[layer] = (pre.detach(), post.detach())

        x, y = self.x["train"][self.probe_idx], self.y["train"][self.probe_idx]
        loss = _per_model_ce(self.model(x, observe), y)
        grads = torch.autograd.grad(loss.sum(), list(self.model.weights))
        stats = []
        nan = torch.full((self.model.n_models,), math.nan, device=self.device)
        with torch.no_grad():
            for layer, (w, w0, g) in enumerate(zip(self.model.weights, self.initial, grads)):
                row = {
                    "grad_norm": g.flatten(1).norm(dim=1),
                    "weight_norm": w.flatten(1).norm(dim=1),
                    "rel_change": (w - w0).flatten(1).norm(dim=1) / w0.flatten(1).norm(dim=1),
                    "act_mean": nan,
                    "saturated": nan,
                }
                if layer in seen:
                    pre, post = seen[layer]
                    row["act_mean"] = post.mean((1, 2))
                    if self.activation.saturated is not None:
                        row["saturated"] = self.activation.saturated(pre, post).float().mean((1, 2))
                stats.append(row)
        return stats

    # ---- bookkeeping --------------------------------------------------------------
    def _record(self, epoch: int, metrics, positions: list[int]) -> None:
        """Evaluation rows for every model at `positions`, of the splits evaluated; layer
        statistics at the epochs StackConfig names and at the last, which is a model's own last
        epoch when it stops early or diverges. The numbers come to the host once per tensor."""
        on_host = {split: (loss.tolist(), acc.tolist()) for split, (loss, acc) in metrics.items()}
        for pos in positions:
            for split, (loss, acc) in on_host.items():
                self.epoch_rows[self.members_at[pos]].append(
                    {"epoch": epoch, "split": split, "loss": loss[pos], "accuracy": acc[pos]}
                )
        if not self.cfg.layer_stats:
            return
        every = self.cfg.stats_every
        due = epoch in (0, self.cfg.epochs, *self.cfg.stats_epochs) or bool(every and epoch % every == 0)
        active = self.active.tolist()
        with_stats = positions if due else [pos for pos in positions if not active[pos]]
        if with_stats:
            stats = [{name: v.tolist() for name, v in row.items()} for row in self.layer_statistics()]
            for pos in with_stats:
                for layer, row in enumerate(stats, start=1):
                    self.layer_rows[self.members_at[pos]].append(
                        {"epoch": epoch, "layer": layer, **{name: v[pos] for name, v in row.items()}}
                    )

    @torch.no_grad()
    def _track_best(self, epoch: int, val_loss: torch.Tensor) -> bool:
        """Best epochs and stopping; whether some model reached a new best validation loss."""
        improved = self.active & (val_loss < self.best_val)
        self.best_val = torch.where(improved, val_loss, self.best_val)
        for best, p in zip(self.best_state, self.model.parameters()):
            best.copy_(torch.where(improved.view((-1,) + (1,) * (p.dim() - 1)), p, best))
        active, improved = self.active.tolist(), improved.tolist()
        for pos, (k, better) in enumerate(zip(self.members_at, improved)):
            if better:
                self.best_epoch[k] = epoch
            if not active[pos]:
                continue
            patience = self.members[k].reg.patience
            if patience is not None and epoch - self.best_epoch[k] >= patience:
                self.active[pos] = False
            elif self.cfg.plateau_patience is not None and epoch - self.best_epoch[k] >= self.cfg.plateau_patience:
                self.active[pos] = False
                self.stopped_on_plateau[k] = True
        return any(improved)

    @torch.no_grad()
    def _drop_stopped(self) -> None:
        """Take the models that stopped this epoch out of the stack (keeping their final and
        best parameters for the results), so the rest train without paying for them (in the
        relu/adam grid job the early-stopping runs stop at epochs 11-22 of 40). Every other model's
        parameters, optimizer state and random streams carry over unchanged."""
        keep = self.active.nonzero().flatten().tolist()
        if len(keep) == self.model.n_models or not keep:
            return
        params = list(self.model.parameters())
        for pos in set(range(self.model.n_models)) - set(keep):
            self.stopped[self.members_at[pos]] = {
                "final": [p[pos].detach().clone() for p in params],
                "best": [b[pos].clone() for b in self.best_state] if self.keep_best else None,
                "diverged": bool(self.diverged[pos]),
            }
        index = torch.tensor(keep, device=self.device)
        self.model = self.model.select(keep)
        self.optimizer = self.optimizer.select(keep, list(self.model.parameters()))
        self.shuffle_rngs = [self.shuffle_rngs[pos] for pos in keep]
        self.initial = [w.index_select(0, index) for w in self.initial]
        self.best_state = [b.index_select(0, index) for b in self.best_state]  # empty: nothing restores
        self.best_val, self.active, self.diverged = (t[index] for t in (self.best_val, self.active, self.diverged))
        self.members_at = [self.members_at[pos] for pos in keep]
        self._set_penalties()

    def start(self) -> None:
        """Epoch 0: every model evaluated and recorded before its first update."""
        metrics = self.evaluate()
        self._track_best(0, metrics["val"][0])
        self._record(0, metrics, list(range(self.model.n_models)))
        self._drop_stopped()

    def run_epoch(self, epoch: int) -> bool:
        """One epoch of fit(): updates, evaluation, stopping, records; False once no model trains."""
        if not bool(self.active.any()):
            return False
        self.train_epoch()
        metrics = self.evaluate(None if self.cfg.curves else ("val",))
        val_loss = metrics["val"][0]
        self.diverged |= self.active & ~torch.isfinite(val_loss)
        self.active &= torch.isfinite(val_loss)
        positions = list(range(self.model.n_models))  # all trained this epoch; who stopped leaves after it
        for pos in positions:
            self.epochs_run[self.members_at[pos]] = epoch
        improved = self._track_best(epoch, val_loss)  # first: who stops now gets this epoch's statistics
        if not self.cfg.curves and (improved or epoch == self.cfg.epochs or not bool(self.active.all())):
            metrics = self.evaluate(more=True)  # an epoch some run's summary reads
        self._record(epoch, metrics, positions)
        for callback in self.callbacks:
            callback(self, epoch)
        self._drop_stopped()
        return True

    def fit(self) -> list[RunResult]:
        start = time.perf_counter()
        self.start()
        for epoch in range(1, self.cfg.epochs + 1):
            if not self.run_epoch(epoch):
                break
        seconds = (time.perf_counter() - start) / len(self.members)
        return [self._result(k, seconds) for k in range(len(self.members))]

    def _parameters_of(self, k: int) -> tuple[list[torch.Tensor], list[torch.Tensor], bool]:
        """Member k's (final, best) parameters and whether it diverged, in or out of the stack."""
        if k in self.stopped:
            left = self.stopped[k]
            return left["final"], left["best"], left["diverged"]
        pos = self.members_at.index(k)
        final = [p[pos].detach() for p in self.model.parameters()]
        best = [b[pos] for b in self.best_state] if self.keep_best else None
        return final, best, bool(self.diverged[pos])

    def _result(self, k: int, seconds: float) -> RunResult:
        member = self.members[k]
        final, best_params, diverged = self._parameters_of(k)
        restore_best = self.restores[k] and not diverged
        names = [n for n, _ in self.model.named_parameters()]
        state = {n: p.cpu().clone() for n, p in zip(names, best_params if restore_best else final)}
        rows = self.epoch_rows[k]
        by_epoch = {(r["epoch"], r["split"]): r for r in rows}
        last = self.epochs_run[k]
        best = self.best_epoch[k]
        reported = best if restore_best else last
        summary = {
            "epochs_run": last,
            "best_epoch": best,
            "reported_epoch": reported,
            "diverged": diverged,
            "stopped_on_plateau": self.stopped_on_plateau[k],
            "seconds": seconds,
            "stack_size": len(self.members),
        }
        for split in self.cfg.splits:
            for metric in ("loss", "accuracy"):
                summary[f"final_{split}_{metric}"] = by_epoch[(reported, split)][metric]
                summary[f"best_{split}_{metric}"] = by_epoch[(best, split)][metric]
        return RunResult(epochs=rows, layers=self.layer_rows[k], summary=summary, state=state)


def train(cfg: StackConfig, members: Sequence[Member], data: Dataset, device: str = "cpu", callbacks=()):
    return Trainer(cfg, members, data, device, callbacks).fit()
