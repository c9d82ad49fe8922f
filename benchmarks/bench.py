"""Speed of dltips on this machine, against the naive pipeline and the matmul limit.

    python benchmarks/bench.py                 # the default: one grid job (15 runs), 40 epochs
    python benchmarks/bench.py --epochs 10 --repeats 1   # quicker
    python benchmarks/bench.py --peers-only --slots 3    # (d) alone, well under a minute

Measures, in one run on one machine, everything with one thread and one process at a time:
  (a) naive: each run in a fresh process with a textbook PyTorch loop (nn.Sequential,
      DataLoader, nn.Dropout, torch.optim, evaluation and per-layer statistics each epoch)
      -- the naive pipeline, one Snakemake job per run, start-up included;
  (a') unbatched dltips: each run in a fresh process, trained alone (a stack of one) --
      separates what batching buys from what the rest of the implementation buys, and
      checks the metrics: a run's numbers must be the same alone or in a stack;
  (b) dltips: the same runs as the pipeline trains them, one process per job (stack);
  (c) the training step against the bare batched matmuls of the same shapes, and the
      achieved GFLOP/s against this machine's measured single-thread matmul peak;
  (d) peers: the same stack trained, in this one process, by other ways of writing a model
      ensemble -- a torch.func ensemble (stack_module_state + vmap of functional_call), a
      hand-written torch.baddbmm stack, optionally that stack under torch.compile (--compile)
      -- against dltips' Trainer doing the same work per epoch, and dltips' epoch as fit()
      runs it. The variants take turns, an epoch each per slot, so a slow spell of the machine
      hits them all; each peer's ratio to dltips is the median of its per-slot ratios. Prints a
      Markdown table for the README, with each variant against the arithmetic limit (the
      epoch's FLOPs at the single-thread matmul peak measured in the same run).
The textbook loop does the work dltips does and no more: the penalty a run has (none
otherwise), per epoch the three evaluations and the same per-layer statistics, and a copy of
the best weights for early stopping. Prints medians over repeats and the ratios, and checks
that (a') and (b) give the same metrics on the same seeds ((a) draws its own random streams,
so only its mean accuracy is compared). No numbers are asserted: this is for people, not CI.
Every process flushes subnormal floats as dltips' jobs do, so the naive loop is not slowed
by them; dltips' processes end as its jobs do, without the interpreter's teardown.
"""

import argparse
import copy
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
# --compile compiles in this process, not in a pool of workers: the run keeps to one core
os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")

import torch  # noqa: E402

from dltips import data as datasets  # noqa: E402
from dltips.process import configure_torch, end_process  # noqa: E402
from dltips.regularizers import build as build_reg  # noqa: E402
from dltips.trainer import Member, StackConfig, Trainer  # noqa: E402

configure_torch(threads=1)  # as every dltips job: one thread, subnormals flushed

REGULARIZERS = {
    "none": {},
    "l1": {"strength": 1e-4},
    "l2": {"strength": 1e-3},
    "dropout": {"input": 0.1, "hidden": 0.3},
    "early_stopping": {"patience": 5},
}
MODEL = {"depth": 4, "width": 100, "maxout_pieces": 2}


def cells(seeds: int) -> list[dict]:
    return [{"regularizer": r, "seed": s} for r in REGULARIZERS for s in range(seeds)]


def stack_config(args) -> StackConfig:
    return StackConfig(activation=args.activation, optimizer=args.optimizer, model=MODEL, epochs=args.epochs)


def members(runs: list[dict], lr: float) -> list[Member]:
    return [Member(seed=r["seed"], lr=lr, reg=build_reg(r["regularizer"], REGULARIZERS[r["regularizer"]]))
            for r in runs]


def train_runs(args, runs: list[dict]) -> list[dict]:
    data = datasets.load(args.data)
    results = Trainer(stack_config(args), members(runs, args.lr), data).fit()
    return [r.summary for r in results]


ACTIVATION_MODULES = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh,
                      "elu": torch.nn.ELU, "leaky_relu": lambda: torch.nn.LeakyReLU(0.01)}
OPTIMIZER_CLASSES = {"adam": ("Adam", {}), "sgd": ("SGD", {}), "momentum": ("SGD", {"momentum": 0.9}),
                     "rmsprop": ("RMSprop", {"alpha": 0.99}), "adagrad": ("Adagrad", {})}


def textbook_run(args, run: dict) -> dict:
    """The naive pipeline's training of one run: the loop a tutorial would write, doing the
    work dltips does per run (its penalty, three evaluations and the per-layer statistics each
    epoch, best weights kept for early stopping)."""
    import torch.nn.functional as F
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from dltips.activations import ACTIVATIONS

    torch.manual_seed(run["seed"])
    data = datasets.load(args.data)
    x = {s: torch.from_numpy(v) for s, v in data.x.items()}
    y = {s: torch.from_numpy(v) for s, v in data.y.items()}
    reg = build_reg(run["regularizer"], REGULARIZERS[run["regularizer"]])
    dims = [data.n_features] + [MODEL["width"]] * MODEL["depth"] + [data.n_classes]
    layers, activations = [nn.Dropout(reg.dropout_input)], []
    for i, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(nn.Linear(a, b))
        if i < MODEL["depth"]:
            activations.append(ACTIVATION_MODULES[args.activation]())
            layers += [activations[-1], nn.Dropout(reg.dropout_hidden)]
    model = nn.Sequential(*layers)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    saturated = ACTIVATIONS[args.activation]({}).saturated
    initial = [m.weight.detach().clone() for m in linears]
    name, settings = OPTIMIZER_CLASSES[args.optimizer]
    optimizer = getattr(torch.optim, name)(model.parameters(), lr=args.lr, **settings)
    loader = DataLoader(TensorDataset(x["train"], y["train"]), batch_size=128, shuffle=True)
    best, best_epoch, best_state, since_best, history = float("inf"), 0, None, 0, []
    for epoch in range(args.epochs + 1):
        if epoch > 0:
            model.train()
            for xb, yb in loader:
                loss = F.cross_entropy(model(xb), yb)
                if reg.l1:
                    loss = loss + reg.l1 * sum(m.weight.abs().sum() for m in linears)
                if reg.l2:
                    loss = loss + 0.5 * reg.l2 * sum(m.weight.pow(2).sum() for m in linears)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
        model.eval()
        metrics = {}
        with torch.no_grad():
            for split in ("train", "val", "test"):
                xs, ys = (x[split][:1000], y[split][:1000]) if split == "train" else (x[split], y[split])
                logits = model(xs)
                metrics[split] = (F.cross_entropy(logits, ys).item(), (logits.argmax(1) == ys).float().mean().item())
        seen = []  # each activation's (input, output) on the probe batch, caught by forward hooks
        hooks = [act.register_forward_hook(lambda m, inp, out: seen.append((inp[0].detach(), out.detach())))
                 for act in activations]
        probe = F.cross_entropy(model(x["train"][:512]), y["train"][:512])
        for hook in hooks:
            hook.remove()
        grads = torch.autograd.grad(probe, [m.weight for m in linears])
        history.append({
            "grad_norms": [g.norm().item() for g in grads],
            "weight_norms": [m.weight.norm().item() for m in linears],
            "rel_change": [((m.weight - w0).norm() / w0.norm()).item() for m, w0 in zip(linears, initial)],
            "act_mean": [post.mean().item() for _, post in seen],
            "saturated": [saturated(pre, post).float().mean().item() for pre, post in seen],
            **{f"{s}_{k}": v for s, (l, a) in metrics.items() for k, v in (("loss", l), ("accuracy", a))},
        })
        if metrics["val"][0] < best:
            best, best_epoch, best_state, since_best = metrics["val"][0], epoch, copy.deepcopy(model.state_dict()), 0
        else:
            since_best += 1
            if reg.patience is not None and since_best >= reg.patience:
                break
    if reg.patience is not None:  # early stopping reports the best epoch's weights, as dltips does
        model.load_state_dict(best_state)
        return history[best_epoch]
    return history[-1]


def in_processes(args, runs, mode: str) -> tuple[float, list[dict]]:
    """One fresh process per run, as one Snakemake job per run would be."""
    start = time.perf_counter()
    out = []
    for run in runs:
        cmd = [sys.executable, __file__, mode, json.dumps(run), *sys.argv[1:]]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        out.append(json.loads(done.stdout.splitlines()[-1]))
    return time.perf_counter() - start, out


def stacked(args, runs) -> tuple[float, list[dict]]:
    """dltips' own path: one process trains the job's runs side by side."""
    start = time.perf_counter()
    cmd = [sys.executable, __file__, "--stack", json.dumps(runs), *sys.argv[1:]]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - start, json.loads(done.stdout.splitlines()[-1])


def matmul_peak(n: int = 1024, repeats: int = 5) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * n**3 / min(times) / 1e9


def epoch_flops(k: int, n: int, dims: list[int]) -> float:
    """FLOPs of one epoch's matmuls (the arithmetic): per layer the forward and the weight
    gradient, and the input gradient for every layer but the first (the data needs none)."""
    macs = [a * b for a, b in zip(dims[:-1], dims[1:])]
    return 2 * k * n * (3 * sum(macs) - macs[0])


def bare_kernels(k: int, n: int, batch: int, dims: list[int]) -> float:
    """Seconds for the batched matmuls of one epoch alone, on inputs made beforehand: what
    the arithmetic costs. Same kernels as torch's autograd runs for dltips' affine layers."""
    shapes = list(zip(dims[:-1], dims[1:]))
    ws = [torch.randn(k, a, b) for a, b in shapes]
    steps = [min(batch, n - s) for s in range(0, n, batch)]
    inputs = {m: [torch.randn(k, m, a) for a, _ in shapes] for m in set(steps)}
    grads = {m: [torch.randn(k, m, b) for _, b in shapes] for m in set(steps)}
    start = time.perf_counter()
    for m in steps:
        for layer, (h, w, g) in enumerate(zip(inputs[m], ws, grads[m])):
            torch.bmm(h, w)  # forward
            torch.bmm(h.transpose(1, 2), g)  # gradient of the weight
            if layer > 0:
                torch.bmm(g, w.transpose(1, 2))  # gradient of the input
    return time.perf_counter() - start


def step_share(args, runs, repeats: int) -> dict:
    data = datasets.load(args.data)
    trainer = Trainer(stack_config(args), members(runs, args.lr), data)
    trainer.train_epoch()  # warm-up: the first epoch pays one-off costs (allocations, kernel choice)
    epoch, evaluation, layer_stats = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        trainer.train_epoch()
        t1 = time.perf_counter()
        trainer.recorder.evaluate(trainer.model)
        t2 = time.perf_counter()
        trainer.recorder.layer_statistics(trainer.model, trainer.state.initial)
        t3 = time.perf_counter()
        epoch.append(t1 - t0)
        evaluation.append(t2 - t1)
        layer_stats.append(t3 - t2)
    n, k = len(data.y["train"]), len(runs)
    dims = [data.n_features] + [MODEL["width"]] * MODEL["depth"] + [data.n_classes]
    kernels = statistics.median(bare_kernels(k, n, trainer.cfg.batch_size, dims) for _ in range(repeats))
    return {
        "epoch_s": statistics.median(epoch),
        "eval_s": statistics.median(evaluation),
        "layer_stats_s": statistics.median(layer_stats),
        "kernel_s": kernels,
        "flops": epoch_flops(k, n, dims),
    }


# ---- (d) peers: other ways to train the same stack, interleaved in this process ----------

PEER_BATCH = 128  # every variant's, dltips' Trainer's too (its default)


def cpu_model() -> str:
    """The CPU's name, with its family where the name alone is generic (a VM's "AMD EPYC")."""
    try:
        lines = Path("/proc/cpuinfo").read_text().split("\n\n")[0].splitlines()
    except OSError:
        lines = []
    info = {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}
    if "model name" not in info:
        return platform.processor() or platform.machine()
    family = f" (family {info['cpu family']}, model {info['model']})" if "cpu family" in info and "model" in info else ""
    return info["model name"] + family


def machine_line() -> str:
    return (f"Machine: {cpu_model()}, {os.cpu_count()} logical CPUs, torch {torch.__version__}, "
            f"ATen CPU capability {torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} thread")


class PeerTask:
    """What every variant shares: the data, the evaluated samples, the seeds and the rate."""

    def __init__(self, data, trainer: Trainer, seeds: list[int], lr: float):
        self.x = torch.from_numpy(data.x["train"])
        self.y = torch.from_numpy(data.y["train"])
        # the samples dltips' evaluate() runs each epoch, so every variant does the same work
        self.eval_x, self.eval_y = trainer.recorder.eval_x, trainer.recorder.eval_y
        self.test = trainer.recorder.eval_slices["test"]
        self.seeds, self.lr = seeds, lr
        self.dims = [data.n_features] + [MODEL["width"]] * MODEL["depth"] + [data.n_classes]

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
        self.accuracy = torch.tensor([row["accuracy"] for rows in self.trainer.recorder.epoch_rows for row in rows[-3:]
                                      if row["split"] == "test"])


def peer_trainer(data, seeds: list[int], lr: float, **recording) -> Trainer:
    # epochs: more than any run of slots, so no model stops on the last epoch's schedule
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, batch_size=PEER_BATCH, epochs=10_000,
                      **recording)
    reg = build_reg("none", {})
    return Trainer(cfg, [Member(seed=s, lr=lr, reg=reg) for s in seeds], data)


def peer_variants(args, data) -> tuple[PeerTask, list]:
    """dltips first: its Trainers set up torch.optim as its training jobs do, before the
    peers' first optimizer step imports torch._dynamo."""
    seeds = list(range(args.stack_size))
    same_work = peer_trainer(data, seeds, args.lr)
    variants = [DltipsEpoch(same_work)]
    grid = DltipsFit(peer_trainer(data, seeds, args.lr, stats_epochs=(0,), stats_every=None), "dltips fit()",
                     "dltips fit() at the grid's settings")
    depth = DltipsFit(peer_trainer(data, seeds, args.lr, stats_every=1), "dltips fit(), stats",
                      "dltips fit() + layer statistics every epoch (the depth sweep's settings)")
    task = PeerTask(data, same_work, seeds, args.lr)
    models = textbook_mlps(seeds, task.dims)  # both peers start from the same weights
    variants += [TorchFuncEnsemble(task, models), BaddbmmStack(task, models)]
    if args.compile:
        variants.append(CompiledBaddbmmStack(task, models))
    return task, variants + [grid, depth]


def model_epoch_flops(task: PeerTask) -> float:
    """One model's epoch: training over the training split plus the evaluation forward."""
    macs = sum(a * b for a, b in zip(task.dims[:-1], task.dims[1:]))
    return epoch_flops(1, len(task.y), task.dims) + 2 * len(task.eval_y) * macs


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


def peer_table(times: dict, reference: str, k: int, limit_s: float) -> list[str]:
    rows = ["| variant | ms per model-epoch | × dltips | × arithmetic limit |", "|---|---|---|---|"]
    for label, ts in times.items():
        ms = statistics.median(ts) / k * 1000
        paired = statistics.median(t / r for t, r in zip(ts, times[reference]))
        rows.append(f"| {label} | {ms:.2f} | {paired:.2f} | {ms / 1000 / limit_s:.2f} |")
    rows.append(f"| arithmetic limit (FLOPs at the 1-thread matmul peak) | {limit_s * 1000:.2f} | "
                f"{limit_s * k / statistics.median(times[reference]):.2f} | 1.00 |")
    return rows


def peers(args) -> None:
    """(d): the variants interleaved round-robin, one epoch each per slot; prints the table."""
    data = datasets.load(args.data)
    task, variants = peer_variants(args, data)
    k, epochs = len(task.seeds), args.warmup + args.slots
    print(f"(d) peers: a stack of {k} MLPs (relu, depth {MODEL['depth']}, width {MODEL['width']}, "
          f"{task.dims[0]} -> {task.dims[-1]}), Adam lr {args.lr:g}, seeds 0-{k - 1}, batch {PEER_BATCH}, "
          f"each model its own batches; an epoch: {-(-len(task.y) // PEER_BATCH)} steps over "
          f"{len(task.y)} training samples, then one evaluation of the {len(task.eval_y)} samples "
          f"dltips evaluates (train subset, val, test); {args.warmup} warm-up epoch(s), then "
          f"{args.slots} slots round-robin")
    times, peak = interleaved(variants, args.slots, args.warmup)
    limit_s = model_epoch_flops(task) / (peak * 1e9)
    print(f"    test accuracy after {epochs} epochs (mean of {k} models; chance 0.10): "
          + ", ".join(f"{v.name} {float(v.accuracy.mean()):.3f}" for v in variants))
    print(f"    arithmetic limit: {model_epoch_flops(task) / 1e6:.0f} MFLOP per model-epoch at "
          f"{peak:.1f} GFLOP/s (1024^2 float32 matmul, 1 thread, best of the run)")
    print()
    print(machine_line())
    print()
    print("\n".join(peer_table(times, variants[0].label, k, limit_s)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # what the textbook loop can build (PReLU and Maxout have no torch.nn module of this shape)
    parser.add_argument("--activation", default="relu", choices=sorted(ACTIVATION_MODULES))
    parser.add_argument("--optimizer", default="adam", choices=sorted(OPTIMIZER_CLASSES))
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", default=None, help="a dataset .npz (default: MNIST-1D built once to a temp file)")
    parser.add_argument("--stack-size", type=int, default=15, help="(d): models in the stack")
    parser.add_argument("--slots", type=int, default=10, help="(d): timed epochs of each variant, round-robin")
    parser.add_argument("--warmup", type=int, default=1, help="(d): untimed epochs of each variant first")
    parser.add_argument("--compile", action="store_true",
                        help="(d): add the baddbmm stack under torch.compile (compiling takes tens of seconds)")
    parser.add_argument("--peers-only", action="store_true", help="run (d) alone")
    parser.add_argument("--no-peers", action="store_true", help="skip (d)")
    parser.add_argument("--single", help=argparse.SUPPRESS)
    parser.add_argument("--textbook", help=argparse.SUPPRESS)
    parser.add_argument("--stack", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.textbook:
        print(json.dumps(textbook_run(args, json.loads(args.textbook))))
        return
    if args.single:
        print(json.dumps(train_runs(args, [json.loads(args.single)])[0]))
        end_process()  # as a dltips training job ends
    if args.stack:
        print(json.dumps(train_runs(args, json.loads(args.stack))))
        end_process()

    tmp = tempfile.TemporaryDirectory()
    if args.data is None:
        args.data = str(Path(tmp.name) / "mnist1d.npz")
        datasets.save(datasets.build("mnist1d", {}, 0.2, 0), args.data, {"dataset": "mnist1d"})
        sys.argv += ["--data", args.data]
    if args.peers_only:
        peers(args)
        return
    runs = cells(args.seeds)
    cold_peak = matmul_peak()  # before anything else runs: the machine at its coolest
    print(f"{len(runs)} runs ({args.activation}, {args.optimizer}, lr {args.lr:g}, 5 regularizers x "
          f"{args.seeds} seeds), {args.epochs} epochs, 1 thread, torch {torch.__version__}")

    times = {"textbook": [], "single": [], "stack": []}
    for _ in range(args.repeats):
        t, m_textbook = in_processes(args, runs, "--textbook")
        times["textbook"].append(t)
        t, m_single = in_processes(args, runs, "--single")
        times["single"].append(t)
        t, m_stacked = stacked(args, runs)
        times["stack"].append(t)
    per = {k: statistics.median(v) / len(runs) for k, v in times.items()}
    print(f"(a)  naive pipeline, textbook loop, a process per run: {per['textbook']:6.2f} s per run "
          f"(median of {args.repeats})")
    print(f"(a') dltips unbatched, a process per run:             {per['single']:6.2f} s per run")
    print(f"(b)  dltips, a process per job (stack of {len(runs)}):          {per['stack']:6.2f} s per run")
    print(f"     speed-up naive / dltips: {per['textbook'] / per['stack']:.2f} x; "
          f"unbatched / dltips: {per['single'] / per['stack']:.2f} x")
    worst = max(abs(a[f"final_{s}_{m}"] - b[f"final_{s}_{m}"])
                for a, b in zip(m_single, m_stacked) if not (a["diverged"] or b["diverged"])
                for s in ("train", "val", "test") for m in ("loss", "accuracy"))
    print(f"     same metrics: largest |unbatched - stacked| over final losses/accuracies = {worst:.2e}")
    pairs = [(t, s) for t, s in zip(m_textbook, m_stacked) if not s["diverged"]]
    mean_t = statistics.mean(t["test_accuracy"] for t, _ in pairs)
    mean_s = statistics.mean(s["final_test_accuracy"] for _, s in pairs)
    print(f"     textbook loop (its own random streams): mean final test accuracy {mean_t:.3f} "
          f"against dltips {mean_s:.3f}")

    share = step_share(args, runs, args.repeats)
    peak = matmul_peak()  # right after the training measurements: the rate they ran against
    achieved = share["flops"] / share["epoch_s"] / 1e9
    kernel_rate = share["flops"] / share["kernel_s"] / 1e9
    print(f"(c) one training epoch of the stack: {share['epoch_s'] * 1000:7.1f} ms; "
          f"bare batched matmuls of the same shapes: {share['kernel_s'] * 1000:7.1f} ms "
          f"(kernel share {share['kernel_s'] / share['epoch_s']:.0%})")
    print(f"    evaluation (3 splits): {share['eval_s'] * 1000:.1f} ms; per-layer statistics: "
          f"{share['layer_stats_s'] * 1000:.1f} ms per epoch")
    print(f"    achieved {achieved:.1f} GFLOP/s in training, {kernel_rate:.1f} in the bare kernels")
    print(f"    machine peak (1024^2 float32 matmul, 1 thread) measured just after: {peak:.1f} GFLOP/s -> "
          f"training at {achieved / peak:.0%} of it; measured cold at start: {cold_peak:.1f} GFLOP/s -> "
          f"{achieved / cold_peak:.0%}")
    if not args.no_peers:
        peers(args)


if __name__ == "__main__":
    main()
