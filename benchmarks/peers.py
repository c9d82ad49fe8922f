"""(d): the same stack trained, in one process, by other ways of writing a model ensemble.

A torch.func ensemble (stack_module_state + vmap of functional_call), a hand-written
torch.baddbmm stack, optionally that stack under torch.compile, against dltips' Trainer doing
the same work per epoch, and dltips' epoch as fit() runs it. Every variant trains the same
seeds' ReLU MLPs with Adam, each model on its own batches, and evaluates the samples dltips
evaluates (Recorder.evaluation_set). The variants take turns, an epoch each per slot
(`interleaved`), so a slow spell of the machine hits them all.
"""

import copy
import time

import torch

from dltips.regularizers import build as build_reg
from dltips.trainer import Member, StackConfig, Trainer

from roofline import matmul_peak
from workload import MODEL, layer_dims

PEER_BATCH = 128  # every variant's, dltips' Trainer's too (its default)


class PeerTask:
    """What every variant shares: the data, the evaluated samples, the seeds and the rate."""

    def __init__(self, data, trainer: Trainer, seeds: list[int], lr: float):
        self.x = torch.from_numpy(data.x["train"])
        self.y = torch.from_numpy(data.y["train"])
        # the samples dltips' evaluate() runs each epoch, so every variant does the same work
        evaluated = trainer.recorder.evaluation_set()
        self.eval_x, self.eval_y, self.test = evaluated.x, evaluated.y, evaluated.slices["test"]
        self.seeds, self.lr = seeds, lr
        self.dims = layer_dims(data)

    def batches(self, rngs: list[torch.Generator]):
        """Index tensors [K, batch], each model its own shuffle (as dltips draws them)."""
        n = len(self.y)
        perms = torch.stack([torch.randperm(n, generator=g) for g in rngs])
        for start in range(0, n, PEER_BATCH):
            yield perms[:, start : start + PEER_BATCH]

    def shuffle_rngs(self) -> list[torch.Generator]:
        return [torch.Generator().manual_seed(10_000 + s) for s in self.seeds]

    def test_accuracy(self, logits: torch.Tensor) -> torch.Tensor:
        """The test split's accuracy per model [K]. Losses are computed on every evaluated
        sample too, as dltips computes them, though only the accuracy is printed."""
        k, n, c = logits.shape
        y = self.eval_y.expand(k, n)
        torch.nn.functional.cross_entropy(logits.reshape(k * n, c), y.reshape(-1), reduction="none")
        hits = (logits.argmax(-1) == y).float()
        return hits[:, self.test].mean(1)


def summed_model_losses(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each model's mean cross-entropy over its own batch, summed over models: the gradient
    of model k is that of its own loss alone."""
    k, b, c = logits.shape
    losses = torch.nn.functional.cross_entropy(logits.reshape(k * b, c), y.reshape(-1), reduction="none")
    return losses.view(k, b).mean(1).sum()


def textbook_mlps(seeds: list[int], dims: list[int]) -> list[torch.nn.Sequential]:
    """One nn.Sequential per seed with torch's default initialization, drawn under that seed."""
    models = []
    for seed in seeds:
        torch.manual_seed(seed)
        layers = []
        for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
            layers.append(torch.nn.Linear(a, b))
            if i < len(dims) - 2:
                layers.append(torch.nn.ReLU())
        models.append(torch.nn.Sequential(*layers))
    return models


def adam(params, lr: float) -> torch.optim.Adam:
    # foreach named: on CPU torch's default is the per-tensor loop, and dltips uses foreach
    return torch.optim.Adam(params, lr=lr, foreach=True)


class TorchFuncEnsemble:
    """The torch.func recipe for model ensembles: stacked parameters, vmap of functional_call."""

    name, label = "torch.func", "torch.func ensemble (stack_module_state + vmap of functional_call)"

    def __init__(self, task: PeerTask, models: list[torch.nn.Sequential]):
        self.task, self.rngs = task, task.shuffle_rngs()
        self.params, self.buffers = torch.func.stack_module_state(models)
        base = copy.deepcopy(models[0]).to("meta")  # a skeleton: the weights come from params

        def logits(params, buffers, x):
            return torch.func.functional_call(base, (params, buffers), (x,))

        self.train_logits = torch.vmap(logits)
        self.eval_logits = torch.vmap(logits, in_dims=(0, 0, None))  # one input for all models
        self.optimizer = adam(self.params.values(), task.lr)

    def epoch(self) -> None:
        task = self.task
        for idx in task.batches(self.rngs):
            loss = summed_model_losses(self.train_logits(self.params, self.buffers, task.x[idx]), task.y[idx])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        with torch.no_grad():
            self.accuracy = task.test_accuracy(self.eval_logits(self.params, self.buffers, task.eval_x))


class BaddbmmStack:
    """The stack written by hand: weights [K, in, out] and biases [K, 1, out] as leaves."""

    name, label = "baddbmm", "hand-written torch.baddbmm stack"

    def __init__(self, task: PeerTask, models: list[torch.nn.Sequential]):
        self.task, self.rngs = task, task.shuffle_rngs()
        layers = [[m for m in model if isinstance(m, torch.nn.Linear)] for model in models]
        by_layer = list(zip(*layers))
        self.weights = [torch.stack([m.weight.detach().t() for m in ms]).contiguous().requires_grad_()
                        for ms in by_layer]
        self.biases = [torch.stack([m.bias.detach() for m in ms]).unsqueeze(1).requires_grad_()
                       for ms in by_layer]
        self.optimizer = adam(self.weights + self.biases, task.lr)
        self.train_loss, self.forward = self.loss, self.logits

    def logits(self, h: torch.Tensor) -> torch.Tensor:
        last = len(self.weights) - 1
        for i, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, w)
            if i < last:
                h = torch.relu(h)
        return h

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return summed_model_losses(self.logits(x), y)

    def epoch(self) -> None:
        task = self.task
        for idx in task.batches(self.rngs):
            loss = self.train_loss(task.x[idx], task.y[idx])
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
        with torch.no_grad():
            k = len(task.seeds)
            self.accuracy = task.test_accuracy(self.forward(task.eval_x.expand(k, *task.eval_x.shape)))


class CompiledBaddbmmStack(BaddbmmStack):
    """The same stack with its loss (forward and, through AOT autograd, backward) and its
    evaluation forward under torch.compile; Adam runs eagerly."""

    name, label = "compiled", "torch.compile'd baddbmm stack"

    def __init__(self, task: PeerTask, models: list[torch.nn.Sequential]):
        super().__init__(task, models)
        self.train_loss, self.forward = torch.compile(self.loss), torch.compile(self.logits)


class DltipsEpoch:
    """dltips' Trainer doing the peers' work: an epoch's training and one evaluation."""

    name, label = "dltips", "dltips Trainer: train_epoch + evaluate"

    def __init__(self, trainer: Trainer):
        self.trainer = trainer

    def epoch(self) -> None:
        self.trainer.train_epoch()
        self.accuracy = self.trainer.recorder.evaluate(self.trainer.model)["test"][1]


class DltipsFit:
    """dltips' epoch as fit() runs it: the same, plus stopping, best-weight tracking and the
    records, with per-layer statistics where the study's claims read them (the grid's: epoch
    0 and the last), or every epoch as the depth sweep takes them."""

    def __init__(self, trainer: Trainer, name: str, label: str):
        self.trainer, self.name, self.label, self.epochs = trainer, name, label, 0
        trainer.start()

    def epoch(self) -> None:
        self.epochs += 1
        self.trainer.run_epoch(self.epochs)
        self.accuracy = torch.tensor(list(self.trainer.recorder.recorded(self.epochs, "test", "accuracy").values()))


def peer_trainer(data, seeds: list[int], lr: float, **recording) -> Trainer:
    # epochs: more than any run of slots, so no model stops on the last epoch's schedule
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, batch_size=PEER_BATCH, epochs=10_000,
                      **recording)
    reg = build_reg("none", {})
    return Trainer(cfg, [Member(seed=s, lr=lr, reg=reg) for s in seeds], data)


def peer_variants(data, stack_size: int, lr: float, compiled: bool) -> tuple[PeerTask, list]:
    """Every variant on a stack of `stack_size` models (seeds 0 ..), the first dltips' Trainer
    (the reference of the ratios); `compiled`: with the torch.compile'd stack. dltips comes
    first: its Trainers set up torch.optim as its training jobs do, before the peers' first
    optimizer step imports torch._dynamo."""
    seeds = list(range(stack_size))
    same_work = peer_trainer(data, seeds, lr)
    variants = [DltipsEpoch(same_work)]
    grid = DltipsFit(peer_trainer(data, seeds, lr, stats_epochs=(0,), stats_every=None), "dltips fit()",
                     "dltips fit() at the grid's settings")
    depth = DltipsFit(peer_trainer(data, seeds, lr, stats_every=1), "dltips fit(), stats",
                      "dltips fit() + layer statistics every epoch (the depth sweep's settings)")
    task = PeerTask(data, same_work, seeds, lr)
    models = textbook_mlps(seeds, task.dims)  # both peers start from the same weights
    variants += [TorchFuncEnsemble(task, models), BaddbmmStack(task, models)]
    if compiled:
        variants.append(CompiledBaddbmmStack(task, models))
    return task, variants + [grid, depth]


def interleaved(variants: list, slots: int, warmup: int) -> tuple[dict, float]:
    """Seconds of each variant's epochs, slot by slot, and the best matmul peak seen (GFLOP/s).
    Each slot starts with another variant, so none always runs first or last."""
    for _ in range(warmup):  # one-off costs: allocations, kernel choice, vmap and compile set-up
        for v in variants:
            v.epoch()
    times, peak = {v.label: [] for v in variants}, 0.0
    for slot in range(slots):
        shift = slot % len(variants)
        for v in variants[shift:] + variants[:shift]:
            start = time.perf_counter()
            v.epoch()
            times[v.label].append(time.perf_counter() - start)
        peak = max(peak, matmul_peak(repeats=3))
    return times, peak


