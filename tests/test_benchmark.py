"""The benchmark a user runs for the Performance section: it runs, and its exactness check holds.
(Its timings are for people; nothing here asserts a speed.)"""

import argparse
import importlib
import re
import subprocess
import sys

import pytest
import torch

from conftest import ROOT

MODULES = ("bench", "workload", "textbook", "dltips_job", "pipeline", "roofline", "peers", "study")


@pytest.fixture
def benchmark(monkeypatch):
    """The benchmark's modules, imported as bench.py imports them (from its folder), and
    forgotten afterwards so their short names shadow nothing."""
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    yield {name: importlib.import_module(name) for name in MODULES}
    for name in MODULES:
        sys.modules.pop(name, None)


@pytest.fixture
def tiny_work(benchmark, tiny_dataset, tmp_path):
    from dltips import data as datasets

    path = tmp_path / "tiny.npz"
    datasets.save(tiny_dataset, path, {"dataset": "tiny"})
    return benchmark["workload"].Workload(str(path), "relu", "adam", 0.01, 1)


def test_the_textbook_loop_builds_every_activation_and_optimizer_the_cli_offers(benchmark):
    workload, textbook = benchmark["workload"], benchmark["textbook"]
    assert set(textbook.ACTIVATION_MODULES) == set(workload.ACTIVATIONS)
    assert set(textbook.OPTIMIZER_CLASSES) == set(workload.OPTIMIZERS)


def test_a_process_refuses_a_run_it_cannot_train_naming_the_key(benchmark):
    workload = benchmark["workload"]
    with pytest.raises(argparse.ArgumentTypeError, match=r"regularizer: 'l3' is none of \['none', 'l1'"):
        workload.parse_run('{"regularizer": "l3", "seed": 0}')
    with pytest.raises(argparse.ArgumentTypeError, match=r"seed: '0' is not an integer"):
        workload.parse_runs('[{"regularizer": "l2", "seed": 0}, {"regularizer": "l2", "seed": "0"}]')
    assert workload.parse_runs('[{"regularizer": "l2", "seed": 0}]') == [{"regularizer": "l2", "seed": 0}]


def test_the_textbook_loop_and_a_dltips_job_train_their_runs(benchmark, tiny_work):
    runs = [{"regularizer": "l1", "seed": 0}, {"regularizer": "early_stopping", "seed": 1}]
    depth = benchmark["workload"].MODEL["depth"]
    for run in runs:
        metrics = benchmark["textbook"].train_run(run, tiny_work)
        assert len(metrics["grad_norms"]) == depth + 1 and len(metrics["act_mean"]) == depth
        assert all(0 <= metrics[f"{s}_accuracy"] <= 1 for s in ("train", "val", "test"))
    summaries = benchmark["dltips_job"].train_runs(runs, tiny_work)
    assert [s["epochs_run"] for s in summaries] == [1, 1] and all(s["stack_size"] == 2 for s in summaries)


def test_each_peer_trains_an_epoch_and_dltips_fit_reads_the_accuracy_evaluate_gives(benchmark, tiny_dataset):
    peers = benchmark["peers"]
    task, variants = peers.peer_variants(tiny_dataset, stack_size=2, lr=0.01, compiled=False)
    times, peak = peers.interleaved(variants, slots=1, warmup=0)
    assert list(times) == [v.label for v in variants] and all(len(t) == 1 and t[0] > 0 for t in times.values())
    assert peak > 0 and len(task.eval_y) == 3 * len(tiny_dataset.y["test"])  # train subset, val, test
    by_name = {v.name: v.accuracy for v in variants}
    assert set(by_name) == {"dltips", "torch.func", "baddbmm", "dltips fit()", "dltips fit(), stats"}
    assert all(a.shape == (2,) for a in by_name.values())
    # the same models after the same epoch: fit()'s recorded accuracy is evaluate()'s
    assert torch.equal(by_name["dltips fit()"], by_name["dltips"])


def test_the_arithmetic_counts_forward_weight_and_input_gradients_and_the_evaluation(benchmark):
    roofline = benchmark["roofline"]
    # layers 2x3 and 3x4 (6 and 12 multiply-adds a sample), 5 samples, 2 models: forward and weight
    # gradient for both layers, the input gradient for the second only
    assert roofline.epoch_flops(2, 5, [2, 3, 4]) == 2 * 2 * 5 * (18 + 18 + 12)
    assert roofline.model_epoch_flops([2, 3, 4], 5, 7) == 2 * 5 * 48 + 2 * 7 * 18


def test_the_peer_table_gives_each_variant_its_median_ratio_per_slot(benchmark):
    times = {"dltips": [2.0, 4.0], "peer": [3.0, 4.0]}
    rows = benchmark["bench"].peer_table(times, "dltips", k=2, limit_s=0.5)
    assert rows[2:] == ["| dltips | 1500.00 | 1.00 | 3.00 |",
                        "| peer | 1750.00 | 1.25 | 3.50 |",  # median of 1.5 and 1.0, not 3.5 / 3
                        "| arithmetic limit (FLOPs at the 1-thread matmul peak) | 500.00 | 0.33 | 1.00 |"]


def test_benchmark_runs_and_finds_the_same_metrics_alone_and_stacked():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--epochs", "2", "--repeats", "1", "--seeds", "1",
           "--no-peers"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for line in ("(a)  naive pipeline", "(a') dltips unbatched", "(b)  dltips, a process per job", "(c) one training epoch"):
        assert line in out, out
    assert re.search(r"largest \|unbatched - stacked\| over final losses/accuracies = 0\.00e\+00", out), out
    assert re.search(r"speed-up naive / dltips: \d+\.\d+ x", out) and re.search(r"training at \d+% of it", out)


PEER_ROWS = ("dltips Trainer: train_epoch + evaluate", "torch.func ensemble", "hand-written torch.baddbmm stack",
             "dltips fit() at the grid's settings", "dltips fit() + layer statistics every epoch", "arithmetic limit")


def test_benchmark_peers_print_a_table_of_positive_times_and_ratios():
    cmd = [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--peers-only", "--slots", "2", "--stack-size", "3"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert re.search(r"^Machine: .+, torch \S+, ATen CPU capability \S+", out, re.M), out
    assert "| variant | ms per model-epoch | × dltips | × arithmetic limit |" in out, out
    rows = {}
    for line in out.splitlines():
        cols = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cols) == 4 and cols[0] != "variant":
            rows[cols[0]] = [float(c) for c in cols[1:]]
    for name in PEER_ROWS:
        matches = [numbers for label, numbers in rows.items() if label.startswith(name)]
        assert len(matches) == 1, (name, out)
        assert all(x > 0 for x in matches[0]), (name, out)
    assert rows["dltips Trainer: train_epoch + evaluate"][1] == 1.0
    # every variant learns: a few epochs put each model well above chance (0.1)
    accuracy_line = re.search(r"test accuracy after \d+ epochs .*: (.*)", out)
    assert accuracy_line, out
    accuracies = dict(re.findall(r"(dltips fit\(\), stats|dltips fit\(\)|dltips|torch\.func|baddbmm) (\d\.\d+)",
                                 accuracy_line[1]))
    assert set(accuracies) == {"dltips", "torch.func", "baddbmm", "dltips fit()", "dltips fit(), stats"}, out
    assert all(float(a) > 0.2 for a in accuracies.values()), out


def test_a_finished_study_is_read_beside_the_limit_and_the_textbook_loop(benchmark, tiny_work, tmp_path, capsys):
    """(e) on a study of one job: its model-epochs' arithmetic is the job's, its tied runs'
    included, and the command prints the three figures with their ratios."""
    from dltips.data import load
    from dltips.jobs import run_job
    from dltips.study_time import read_timings
    from dltips.timing_file import REPORTED, TIED
    from test_tuning import RUNS, make_job

    results = tmp_path / "study"
    (results / "data").mkdir(parents=True)
    for suffix in (".npz", ".json"):
        (results / "data" / f"tiny{suffix}").write_bytes((tmp_path / f"tiny{suffix}").read_bytes())
    # every runner-up tied with the pick: the job trains tied runs too
    job = make_job(RUNS[:2], grid=(0.01, 0.1), bounds=(0.01, 0.1), epochs=2, tune_epochs=2, tie_within=1e9)
    run_job(job, results / "data" / "tiny.npz", results / "runs" / job.name, tied_dir=results / "tied" / "runs" / job.name)
    record = results / "benchmarks" / "train" / f"{job.name}.tsv"
    record.parent.mkdir(parents=True)
    record.write_text("s\th:m:s\n3.5\t0:00:03\n")
    study = benchmark["study"]
    timings = read_timings(results)
    data = load(results / "data" / "tiny.npz")
    dims = [data.n_features] + [job.model["width"]] * job.model["depth"] + [data.n_classes]
    per = benchmark["roofline"].model_epoch_flops(dims, len(data.y["train"]), len(data.y["val"]))
    n = sum(timings[job.name]["model_epochs"].values())
    tied = timings[job.name]["model_epochs"][TIED]
    assert n > timings[job.name]["model_epochs"][REPORTED] > 0 and tied > 0
    assert study.study_flops(results, timings) == per * n
    study.report_study(results, 1, tiny_work)
    out = capsys.readouterr().out
    assert f"wall 3.5 s on 1 cores, {n:,} model-epochs" in out and f"tied {tied:,})" in out
    assert f"the study:        {3500 / n:8.2f} ms per model-epoch" in out
    assert re.search(r"arithmetic limit: +\d+\.\d\d ms .*-> the study at \d+\.\d\dx the limit", out)
    assert re.search(r"textbook loop: +\d+\.\d\d ms .*-> \d+\.\d\dx the study's cost", out)
