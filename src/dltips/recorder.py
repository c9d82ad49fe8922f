"""What a stack's training leaves behind: evaluations, layer statistics, one RunResult per run.

Protocol (as DeepOBS): validation loss and accuracy at epoch 0 and after every epoch, and
train and test loss and accuracy there too where the course of training is read
(StackConfig.curves), else where a run's summary can read them; the train split is evaluated
on a fixed subset of the size of the test set. Per-layer statistics are taken on a fixed probe
batch at the epochs StackConfig names and at each model's last. The training loop
(dltips.trainer) feeds the recorder: it evaluates the stack when asked and keeps the rows of
each member, whatever its position in the stack. Code outside the loop reads the recorder
through `evaluation_set` and `recorded` (the benchmark's peers do the same work as dltips with
the first and read dltips' accuracies with the second).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .dataset_sizes import evaluated_training_samples
from .model import StackedMLP
from .phases import EVALUATION, LAYER_STATS, PhaseClock
from .stack_state import ModelWeights, StackState

# Samples per evaluation forward. Small enough that a stack's activations stay in the CPU's
# cache and their buffers are reused, where one forward of every evaluated sample allocates
# megabytes per layer and runs slower (README: Performance); results are identical either way.
EVAL_CHUNK = 256
METRICS = ("loss", "accuracy")


@dataclass
class RunResult:
    epochs: list[dict]  # rows of tables.EPOCH_COLUMNS
    layers: list[dict]  # rows of tables.LAYER_COLUMNS; none where nothing reads them (StackConfig.layer_stats)
    summary: dict
    state: dict  # the reported weights of this model alone


@dataclass(frozen=True)
class EvaluationSet:
    """The samples every evaluation runs on: the evaluated splits' inputs `x` and labels `y`
    in one tensor each, and each split's slice of them (the train split's is its fixed subset)."""

    x: torch.Tensor
    y: torch.Tensor
    slices: dict[str, slice]


def per_model_ce(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each model: logits [K, B, C], y [K, B] or [B] -> [K]."""
    k, b, c = logits.shape
    y = y.expand(k, b) if y.dim() == 1 else y
    return F.cross_entropy(logits.reshape(k * b, c), y.reshape(-1), reduction="none").view(k, b).mean(1)


class Recorder:
    """Evaluates a stack on the fixed evaluation sets and keeps every member's rows."""

    def __init__(self, cfg, x: dict[str, torch.Tensor], y: dict[str, torch.Tensor], n_members: int,
                 device: torch.device, clock: PhaseClock | None = None):
        # evaluation and layer statistics take their seconds out of the caller's phase
        self.clock = clock or PhaseClock()
        if "val" not in cfg.splits:
            raise ValueError(f"StackConfig.splits must include 'val' (stopping reads it), got {cfg.splits}")
        self.cfg, self.device = cfg, device
        fixed = torch.Generator().manual_seed(cfg.eval_seed)
        order = torch.randperm(len(y["train"]), generator=fixed)
        # the one rule the margins' N is read with too (datasets.csv's train_evaluated)
        n_eval = evaluated_training_samples(len(order), len(y["test"]), cfg.train_eval_size)
        train_eval_idx = order[:n_eval].to(device)
        probe_idx = order[: min(cfg.probe_size, len(order))].to(device)
        self.probe_x, self.probe_y = x["train"][probe_idx], y["train"][probe_idx]
        # the evaluated sets in one tensor: one forward pass per chunk, not per split
        eval_parts = {s: i for s, i in (("train", train_eval_idx), ("val", None), ("test", None)) if s in cfg.splits}
        xs = [x[s][i] if i is not None else x[s] for s, i in eval_parts.items()]
        ys = [y[s][i] if i is not None else y[s] for s, i in eval_parts.items()]
        self.eval_x, self.eval_y = torch.cat(xs), torch.cat(ys)
        bounds = torch.tensor([0] + [len(part) for part in ys]).cumsum(0).tolist()
        self.eval_slices = {s: slice(a, b) for s, a, b in zip(eval_parts, bounds[:-1], bounds[1:])}
        # one grid of chunks whichever splits are evaluated, so a split's numbers never depend
        # on which others are evaluated with it; the chunks each split needs
        n = len(self.eval_y)
        self.eval_chunks = [slice(a, min(a + EVAL_CHUNK, n)) for a in range(0, n, EVAL_CHUNK)]
        self.chunks_of = {s: {i for i, c in enumerate(self.eval_chunks) if c.start < sl.stop and sl.start < c.stop}
                          for s, sl in self.eval_slices.items()}
        self._evaluated: tuple[torch.Tensor, torch.Tensor, set] | None = None  # this epoch's, so far
        self.epoch_rows: list[list[dict]] = [[] for _ in range(n_members)]
        self.layer_rows: list[list[dict]] = [[] for _ in range(n_members)]

    # ---- measurements -------------------------------------------------------------
    def evaluate(self, model: StackedMLP, splits: Sequence[str] | None = None, more: bool = False) -> dict:
        """split -> (loss [K], accuracy [K]) in eval mode (no dropout), for `splits` (default:
        every evaluated split). `more`: add splits to this epoch's evaluation so far, computing
        only the chunks it has not."""
        with self.clock.phase(EVALUATION):
            return self._evaluate(model, splits, more)

    @torch.no_grad()
    def _evaluate(self, model: StackedMLP, splits: Sequence[str] | None, more: bool) -> dict:
        model.eval()
        splits = tuple(self.eval_slices) if splits is None else tuple(splits)
        k = model.n_models
        if not more or self._evaluated is None:
            self._evaluated = (torch.empty(k, len(self.eval_y), device=self.device),
                               torch.empty(k, len(self.eval_y), device=self.device), set())
        losses, hits, done = self._evaluated
        for i in sorted(set().union(*(self.chunks_of[s] for s in splits)) - done):
            chunk = self.eval_chunks[i]
            logits = model(self.eval_x[chunk])
            y = self.eval_y[chunk].expand(k, -1)
            losses[:, chunk] = F.cross_entropy(logits.transpose(1, 2), y, reduction="none")
            hits[:, chunk] = (logits.argmax(-1) == y).float()
            done.add(i)
        return {s: (losses[:, sl].mean(1), hits[:, sl].mean(1)) for s, sl in self.eval_slices.items() if s in splits}

    def layer_statistics(self, model: StackedMLP, initial: list[torch.Tensor]) -> list[dict[str, torch.Tensor]]:
        """Per layer (input side first), each a [K] tensor, on the fixed probe batch;
        `initial`: each weight matrix where training started."""
        model.eval()
        seen: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

        def observe(layer, pre, post):
            seen[layer] = (pre.detach(), post.detach())

        loss = per_model_ce(model(self.probe_x, observe), self.probe_y)
        grads = torch.autograd.grad(loss.sum(), list(model.weights))
        stats = []
        nan = torch.full((model.n_models,), math.nan, device=self.device)
        with torch.no_grad():
            for layer, (w, w0, g) in enumerate(zip(model.weights, initial, grads)):
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
                    if model.activation.saturated is not None:
                        row["saturated"] = model.activation.saturated(pre, post).float().mean((1, 2))
                stats.append(row)
        return stats

    def evaluation_set(self) -> EvaluationSet:
        """The samples `evaluate` runs on, for code that must do the same work."""
        return EvaluationSet(self.eval_x, self.eval_y, dict(self.eval_slices))

    # ---- records ------------------------------------------------------------------
    def record(self, epoch: int, metrics: dict, state: StackState, active: list[bool]) -> None:
        """Evaluation rows for every model of the stack, of the splits evaluated; layer
        statistics at the epochs StackConfig names and at the last, which is a model's own last
        epoch where it stopped in this one (`active`: per position, False for those). The
        numbers come to the host once per tensor."""
        positions = range(state.n_models)
        on_host = {split: (loss.tolist(), acc.tolist()) for split, (loss, acc) in metrics.items()}
        for pos in positions:
            for split, (loss, acc) in on_host.items():
                self.epoch_rows[state.members_at[pos]].append(
                    {"epoch": epoch, "split": split, "loss": loss[pos], "accuracy": acc[pos]}
                )
        if not self.cfg.layer_stats:
            return
        every = self.cfg.stats_every
        due = epoch in (0, self.cfg.epochs, *self.cfg.stats_epochs) or bool(every and epoch % every == 0)
        with_stats = list(positions) if due else [pos for pos in positions if not active[pos]]
        if with_stats:
            with self.clock.phase(LAYER_STATS):
                stats = [{name: v.tolist() for name, v in row.items()}
                         for row in self.layer_statistics(state.model, state.initial)]
            for pos in with_stats:
                for layer, row in enumerate(stats, start=1):
                    self.layer_rows[state.members_at[pos]].append(
                        {"epoch": epoch, "layer": layer, **{name: v[pos] for name, v in row.items()}}
                    )

    def recorded(self, epoch: int, split: str, metric: str) -> dict[int, float]:
        """Member -> its `metric` ("loss" or "accuracy") on `split` as recorded at `epoch`, for
        the members that have it: not those that left the stack before `epoch`, nor any where
        the split was not evaluated then (StackConfig.curves)."""
        if split not in self.eval_slices:
            raise ValueError(f"split: {split!r} is not evaluated by this stack; evaluated: {list(self.eval_slices)}")
        if metric not in METRICS:
            raise ValueError(f"metric: {metric!r} is not recorded; recorded: {list(METRICS)}")
        found = {}
        for k, rows in enumerate(self.epoch_rows):
            for row in reversed(rows):  # rows come epoch by epoch: a recent epoch is a few rows back
                if row["epoch"] < epoch:
                    break
                if row["epoch"] == epoch and row["split"] == split:
                    found[k] = row[metric]
                    break
        return found

    def result(self, k: int, weights: ModelWeights, names: list[str], restores: bool, best_epoch: int,
               stopped_on_plateau: bool, seconds: float, stack_size: int) -> RunResult:
        """Member k's RunResult: its rows, its summary, and the weights it reports: those of
        its best epoch where it `restores` them (early stopping) and did not diverge, else its
        last epoch's."""
        restore_best = restores and not weights.diverged
        state = {n: p.cpu().clone() for n, p in zip(names, weights.best if restore_best else weights.final)}
        rows = self.epoch_rows[k]
        by_epoch = {(r["epoch"], r["split"]): r for r in rows}
        last = rows[-1]["epoch"]  # every epoch a model trains records its validation
        reported = best_epoch if restore_best else last
        summary = {
            "epochs_run": last,
            "best_epoch": best_epoch,
            "reported_epoch": reported,
            "diverged": weights.diverged,
            "stopped_on_plateau": stopped_on_plateau,
            "seconds": seconds,
            "stack_size": stack_size,
        }
        for split in self.cfg.splits:
            for metric in ("loss", "accuracy"):
                summary[f"final_{split}_{metric}"] = by_epoch[(reported, split)][metric]
                summary[f"best_{split}_{metric}"] = by_epoch[(best_epoch, split)][metric]
        return RunResult(epochs=rows, layers=self.layer_rows[k], summary=summary, state=state)
