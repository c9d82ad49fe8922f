"""(c) and the arithmetic limit: what the matmuls of an epoch cost, and what the step costs.

The machine's single-thread matmul peak, the FLOPs of an epoch's matmuls, the bare batched
matmuls of an epoch's shapes, and one epoch of dltips' stack split into training,
evaluation and per-layer statistics.
"""

import statistics
import time

import torch

from dltips import data as datasets
from dltips.trainer import Trainer

from workload import Workload, layer_dims


def matmul_peak(n: int = 1024, repeats: int = 5) -> float:
    """GFLOP/s of the best of `repeats` float32 n x n matmuls, after one untimed."""
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


def model_epoch_flops(dims: list[int], n_train: int, n_eval: int) -> float:
    """One model's epoch: training over `n_train` samples plus an evaluation forward of `n_eval`."""
    macs = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    return epoch_flops(1, n_train, dims) + 2 * n_eval * macs


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


def step_share(work: Workload, runs: list[dict], repeats: int) -> dict:
    """(c): medians over `repeats` epochs of the stack's training epoch, its evaluation and its
    per-layer statistics, with the bare matmuls of the epoch and its FLOPs."""
    data = datasets.load(work.data)
    cfg = work.stack_config()
    trainer = Trainer(cfg, work.members(runs), data)
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
    n, k, dims = len(data.y["train"]), len(runs), layer_dims(data)
    kernels = statistics.median(bare_kernels(k, n, cfg.batch_size, dims) for _ in range(repeats))
    return {
        "epoch_s": statistics.median(epoch),
        "eval_s": statistics.median(evaluation),
        "layer_stats_s": statistics.median(layer_stats),
        "kernel_s": kernels,
        "flops": epoch_flops(k, n, dims),
    }
