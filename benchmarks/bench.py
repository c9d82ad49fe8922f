"""Speed of dltips on this machine, against the naive pipeline and the matmul limit.

    python benchmarks/bench.py                 # the default: one grid job (15 runs), 40 epochs
    python benchmarks/bench.py --epochs 10 --repeats 1   # quicker
    python benchmarks/bench.py --peers-only --slots 3    # (d) alone, well under a minute
    python benchmarks/bench.py --study results           # (e) alone: a finished study, a minute or two

Measures, in one run on one machine, everything with one thread and one process at a time:
  (a) naive: each run in a fresh process with a textbook PyTorch loop (nn.Sequential,
      DataLoader, nn.Dropout, torch.optim, evaluation and per-layer statistics each epoch)
      -- the naive pipeline, one Snakemake job per run, start-up included (textbook.py);
  (a') unbatched dltips: each run in a fresh process, trained alone (a stack of one) --
      separates what batching buys from what the rest of the implementation buys, and
      checks the metrics: a run's numbers must be the same alone or in a stack (dltips_job.py);
  (b) dltips: the same runs as the pipeline trains them, one process per job (stack);
  (c) the training step against the bare batched matmuls of the same shapes, and the
      achieved GFLOP/s against this machine's measured single-thread matmul peak (roofline.py);
  (d) peers: the same stack trained, in this one process, by other ways of writing a model
      ensemble -- a torch.func ensemble (stack_module_state + vmap of functional_call), a
      hand-written torch.baddbmm stack, optionally that stack under torch.compile (--compile)
      -- against dltips' Trainer doing the same work per epoch, and dltips' epoch as fit()
      runs it (peers.py). The variants take turns, an epoch each per slot, so a slow spell of
      the machine hits them all; each peer's ratio to dltips is the median of its per-slot
      ratios. Prints a Markdown table for the README, with each variant against the
      arithmetic limit (the epoch's FLOPs at the single-thread matmul peak measured in the
      same run);
  (e) with --study RESULTS: a finished study's wall time per model-epoch, read from its records,
      against this machine's arithmetic limit, the study's own loop timed on a sample of its
      stacks at their shapes and sizes (floor.py), and the textbook loop run `--cores` processes
      side by side, all measured in the same command, in ms per model-epoch machine-wide; then
      the study's CPU seconds per part against each part's limit, and the product of the steps
      from the study to the limit (study.py).
The textbook loop does the work dltips does and no more: the penalty a run has (none
otherwise), per epoch the three evaluations and the same per-layer statistics, and a copy of
the best weights for early stopping. Prints medians over repeats and the ratios, and checks
that (a') and (b) give the same metrics on the same seeds ((a) draws its own random streams,
so only its mean accuracy is compared). No numbers are asserted: this is for people, not CI.
Every process flushes subnormal floats as dltips' jobs do, so the naive loop is not slowed
by them; dltips' processes end as its jobs do, without the interpreter's teardown.
"""

import os

# set before torch loads, and inherited by the processes of (a), (a') and (b)
os.environ.setdefault("OMP_NUM_THREADS", "1")
# --compile compiles in this process, not in a pool of workers: the run keeps to one core
os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402

from dltips import data as datasets  # noqa: E402
from dltips.process import configure_torch  # noqa: E402

import peers  # noqa: E402
import pipeline  # noqa: E402
import roofline  # noqa: E402
import study  # noqa: E402
from workload import MODEL, Workload, add_options, cells  # noqa: E402


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


def report_pipeline(work: Workload, seeds: int, repeats: int) -> None:
    """(a), (a'), (b) and (c)."""
    runs = cells(seeds)
    cold_peak = roofline.matmul_peak()  # before anything else runs: the machine at its coolest
    print(f"{len(runs)} runs ({work.activation}, {work.optimizer}, lr {work.lr:g}, 5 regularizers x "
          f"{seeds} seeds), {work.epochs} epochs, 1 thread, torch {torch.__version__}")

    times = {"textbook": [], "single": [], "stack": []}
    for _ in range(repeats):
        t, m_textbook = pipeline.textbook_per_run(work, runs)
        times["textbook"].append(t)
        t, m_single = pipeline.dltips_per_run(work, runs)
        times["single"].append(t)
        t, m_stacked = pipeline.dltips_per_job(work, runs)
        times["stack"].append(t)
    per = {k: statistics.median(v) / len(runs) for k, v in times.items()}
    print(f"(a)  naive pipeline, textbook loop, a process per run: {per['textbook']:6.2f} s per run "
          f"(median of {repeats})")
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

    share = roofline.step_share(work, runs, repeats)
    peak = roofline.matmul_peak()  # right after the training measurements: the rate they ran against
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


def peer_table(times: dict, reference: str, k: int, limit_s: float) -> list[str]:
    """The Markdown table of (d): each variant's median per model-epoch, its median per-slot
    ratio to `reference`, and its ratio to the arithmetic limit (`limit_s` per model-epoch)."""
    rows = ["| variant | ms per model-epoch | × dltips | × arithmetic limit |", "|---|---|---|---|"]
    for label, ts in times.items():
        ms = statistics.median(ts) / k * 1000
        paired = statistics.median(t / r for t, r in zip(ts, times[reference]))
        rows.append(f"| {label} | {ms:.2f} | {paired:.2f} | {ms / 1000 / limit_s:.2f} |")
    rows.append(f"| arithmetic limit (FLOPs at the 1-thread matmul peak) | {limit_s * 1000:.2f} | "
                f"{limit_s * k / statistics.median(times[reference]):.2f} | 1.00 |")
    return rows


def report_peers(args) -> None:
    """(d): the variants interleaved round-robin, one epoch each per slot; prints the table."""
    data = datasets.load(args.data)
    task, variants = peers.peer_variants(data, args.stack_size, args.lr, args.compile)
    k, epochs, batch = len(task.seeds), args.warmup + args.slots, peers.PEER_BATCH
    print(f"(d) peers: a stack of {k} MLPs (relu, depth {MODEL['depth']}, width {MODEL['width']}, "
          f"{task.dims[0]} -> {task.dims[-1]}), Adam lr {args.lr:g}, seeds 0-{k - 1}, batch {batch}, "
          f"each model its own batches; an epoch: {-(-len(task.y) // batch)} steps over "
          f"{len(task.y)} training samples, then one evaluation of the {len(task.eval_y)} samples "
          f"dltips evaluates (train subset, val, test); {args.warmup} warm-up epoch{'' if args.warmup == 1 else 's'}, then "
          f"{args.slots} slots round-robin")
    times, peak = peers.interleaved(variants, args.slots, args.warmup)
    flops = roofline.model_epoch_flops(roofline.plain_shapes(task.dims), len(task.y), len(task.eval_y))
    limit_s = flops / (peak * 1e9)
    print(f"    test accuracy after {epochs} epochs (mean of {k} models; chance 0.10): "
          + ", ".join(f"{v.name} {float(v.accuracy.mean()):.3f}" for v in variants))
    print(f"    arithmetic limit: {flops / 1e6:.0f} MFLOP per model-epoch at "
          f"{peak:.1f} GFLOP/s (1024^2 float32 matmul, 1 thread, best of the run)")
    print()
    print(machine_line())
    print()
    print("\n".join(peer_table(times, variants[0].label, k, limit_s)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_options(parser)
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
    parser.add_argument("--study", default=None, help="(e) alone: a finished study's results folder (results/smoke)")
    parser.add_argument("--cores", type=int, default=os.cpu_count(), help="(e): the cores the study ran on")
    parser.add_argument("--floor-draws", type=int, default=24,
                        help="(e): epochs of the study's stacks to time its loop on (drawn by their arithmetic)")
    parser.add_argument("--floor-seed", type=int, default=0, help="(e): the seed of those draws")
    args = parser.parse_args()
    configure_torch(threads=1)  # as every dltips job: one thread, subnormals flushed

    with tempfile.TemporaryDirectory() as tmp:
        if args.data is None:
            args.data = str(Path(tmp) / "mnist1d.npz")
            datasets.save(datasets.build("mnist1d", {}, 0.2, 0), args.data, {"dataset": "mnist1d"})
        if args.study:
            print(machine_line())
            study.report_study(args.study, args.cores, Workload.from_args(args), args.floor_draws, args.floor_seed)
            return
        if not args.peers_only:
            report_pipeline(Workload.from_args(args), args.seeds, args.repeats)
        if args.peers_only or not args.no_peers:
            report_peers(args)


if __name__ == "__main__":
    main()
