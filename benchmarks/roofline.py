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


def matmul_peak(n: int = 1024, repeats: int = 5, clock=time.perf_counter) -> float:
    """GFLOP/s of the best of `repeats` float32 n x n matmuls, after one untimed, timed by
    `clock` (time.process_time: the process's CPU seconds, which a machine others share does
    not inflate)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    times = []
    for _ in range(repeats):
        start = clock()
        a @ b
        times.append(clock() - start)
    return 2 * n**3 / min(times) / 1e9


def plain_shapes(dims: list[int]) -> list[tuple[int, int]]:
    """Each layer's weight (inputs, outputs) of a plain MLP of widths `dims`, input to output."""
    return list(zip(dims[:-1], dims[1:]))


def epoch_flops(k: int, n: int, shapes: list[tuple[int, int]]) -> float:
    """FLOPs of one epoch's matmuls (the arithmetic) on layers of weights `shapes`: per layer the
    forward and the weight gradient, and the input gradient for every layer but the first (the
    data needs none)."""
    macs = [a * b for a, b in shapes]
    return 2 * k * n * (3 * sum(macs) - macs[0])


def model_epoch_flops(shapes: list[tuple[int, int]], n_train: int, n_eval: int) -> float:
    """One model's epoch: training over `n_train` samples plus an evaluation forward of `n_eval`."""
    macs = sum(a * b for a, b in shapes)
    return epoch_flops(1, n_train, shapes) + 2 * n_eval * macs


def bare_kernels(k: int, n: int, batch: int, shapes: list[tuple[int, int]], clock=time.perf_counter) -> float:
    """Seconds (of `clock`) for the batched matmuls of one epoch alone, on inputs made beforehand:
    what the arithmetic costs. Same kernels as torch's autograd runs for dltips' affine layers."""
    ws = [torch.randn(k, a, b) for a, b in shapes]
    steps = [min(batch, n - s) for s in range(0, n, batch)]
    inputs = {m: [torch.randn(k, m, a) for a, _ in shapes] for m in set(steps)}
    grads = {m: [torch.randn(k, m, b) for _, b in shapes] for m in set(steps)}
    start = clock()
    for m in steps:
        for layer, (h, w, g) in enumerate(zip(inputs[m], ws, grads[m])):
            torch.bmm(h, w)  # forward
            torch.bmm(h.transpose(1, 2), g)  # gradient of the weight
            if layer > 0:
                torch.bmm(g, w.transpose(1, 2))  # gradient of the input
    return clock() - start


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
    n, k, shapes = len(data.y["train"]), len(runs), plain_shapes(layer_dims(data))
    kernels = statistics.median(bare_kernels(k, n, cfg.batch_size, shapes) for _ in range(repeats))
    return {
        "epoch_s": statistics.median(epoch),
        "eval_s": statistics.median(evaluation),
        "layer_stats_s": statistics.median(layer_stats),
        "kernel_s": kernels,
        "flops": epoch_flops(k, n, shapes),
    }
