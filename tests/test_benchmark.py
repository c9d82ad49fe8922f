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

MODULES = ("bench", "workload", "textbook", "dltips_job", "pipeline", "roofline", "peers", "study", "study_stacks",
           "floor")


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
    shapes = roofline.plain_shapes([2, 3, 4])
    assert shapes == [(2, 3), (3, 4)]
    assert roofline.epoch_flops(2, 5, shapes) == 2 * 2 * 5 * (18 + 18 + 12)
    assert roofline.model_epoch_flops(shapes, 5, 7) == 2 * 5 * 48 + 2 * 7 * 18


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


@pytest.fixture
def finished_study(tiny_work, tmp_path):
    """A study of one trained job (search with halving, an extension past the grid's edge where
    the pick is on it, confirmation on 3 seeds), with its benchmark record: (results, job)."""
    from dltips.jobs import run_job
    from test_tuning import RUNS, make_job

    results = tmp_path / "study"
    (results / "data").mkdir(parents=True)
    for suffix in (".npz", ".json"):
        (results / "data" / f"tiny{suffix}").write_bytes((tmp_path / f"tiny{suffix}").read_bytes())
    job = make_job(RUNS, grid=(0.003, 0.03, 0.3), bounds=(1e-3, 1.0), epochs=3, tune_epochs=4,
                   halving={"at": [2], "keep": 0.5}, confirm_seeds=(7, 8, 9), confirm_epochs=2)
    run_job(job, results / "data" / "tiny.npz", results / "runs" / job.name)
    record = results / "benchmarks" / "train" / f"{job.name}.tsv"
    record.parent.mkdir(parents=True)
    record.write_text("s\th:m:s\tcpu_time\n3.5\t0:00:03\t2.5\n")
    return results, job


def test_a_jobs_stacks_are_read_back_as_it_trained_them(benchmark, finished_study):
    """Each stack's members rebuilt from the records train as the job trained them, and the
    stacks' model-epochs are the job's timing file's."""
    from dltips.contract import read_job, read_runs
    from dltips.data import load
    from dltips.jobs import stack_config
    from dltips.timing_file import CONFIRMATION, REPORTED, SEARCH, read_timing
    from dltips.trainer import train

    results, job = finished_study
    stacks = benchmark["study_stacks"].study_stacks(results)
    timing = read_timing(results / "runs" / job.name)["model_epochs"]
    by_kind = benchmark["study_stacks"].model_epochs_by_size(stacks)
    assert {kind: sum(by_kind[kind].values()) for kind in (REPORTED, SEARCH, CONFIRMATION)} == timing
    assert sum(by_kind[benchmark["study_stacks"].TIED].values()) == 0
    trained, runs = read_runs(results / "runs" / job.name)
    rates = sorted({r.config["lr"] for r in runs})
    reported = [s for s in stacks if s.kind == REPORTED]
    assert [len(s.members) for s in reported] == [sum(r.config["lr"] == lr for r in runs) for lr in rates]
    data = load(results / "data" / "tiny.npz")
    for stack, lr in zip(reported, rates):  # a reported stack trains again into its runs' very numbers
        again = train(stack_config(job), list(stack.members), data)
        written = [r.metrics for r in runs if r.config["lr"] == lr]
        assert [{k: v for k, v in a.summary.items() if k != "seconds"} for a in again] == \
            [{k: v for k, v in w.items() if k != "seconds"} for w in written]
    confirmations = [s for s in stacks if s.kind == CONFIRMATION]
    records = [r for r in read_job(results / "runs" / job.name).tuning if r["fate"] in ("confirmed",
                                                                                        "diverged on a confirmation seed")]
    assert confirmations and sum(len(s.members) for s in confirmations) == len(records)
    first = confirmations[0]
    again = train(stack_config(job, epochs=job.learning_rate.confirm_epochs, tuning=True), list(first.members), data)
    assert [a.summary["best_val_accuracy"] for a in again] == \
        [r["best_val_accuracy"] for r in records if r["round"] == records[0]["round"]]
    searched = [s for s in stacks if s.kind == SEARCH]
    assert len(searched[0].members) == 3 * 4  # the grid's rates x the job's 4 conditions, one tuning seed
    assert searched[0].sizes()[12] == 12 * 2 and sum(searched[0].sizes().values()) == sum(searched[0].epochs)


def test_a_stack_holds_at_each_epoch_the_models_that_train_that_long(benchmark):
    from dltips.regularizers import build
    from dltips.trainer import Member
    from test_tuning import make_job, RUNS

    stack_stacks = benchmark["study_stacks"]
    member = Member(0, 0.1, build("none", {}))
    stack = stack_stacks.Stack(make_job(RUNS), "reported", (member,) * 3, (3, 1, 3))
    assert stack.alive(1) == [0, 1, 2] and stack.alive(2) == [0, 2] and stack.alive(4) == []
    assert stack.sizes() == {3: 3, 2: 4}  # epoch 1: 3 models; epochs 2 and 3: 2 each


def test_a_maxout_layer_computes_its_pieces_per_output(benchmark):
    from test_tuning import RUNS, make_job
    from dataclasses import replace

    shapes = benchmark["study_stacks"].layer_shapes
    relu = make_job(RUNS)  # depth 2, width 8
    assert shapes(relu, 6, 4) == [(6, 8), (8, 8), (8, 4)]
    maxout = replace(relu, activation="maxout")  # 2 pieces: each layer's weight has 16 outputs for 8 units
    assert shapes(maxout, 6, 4) == [(6, 16), (8, 16), (8, 4)]


def test_draws_go_to_each_part_by_its_arithmetic_and_to_each_unit_by_its_flops(benchmark):
    import random

    floor = benchmark["floor"]
    assert floor.allocate({"a": 3.0, "b": 1.0, "c": 0.0}, 12) == {"a": 8, "b": 4}  # 2 each, then 6 and 2
    assert floor.allocate({"a": 1000.0, "b": 1.0}, 5) == {"a": 3, "b": 2}  # two at least: a standard error
    with pytest.raises(ValueError, match=r"draws: 3 is fewer than 2 for each of the study's 2 parts that train "
                                         r"epochs \(a, b\)"):
        floor.allocate({"a": 1.0, "b": 1.0, "c": 0.0}, 3)
    light, heavy, none = (floor.Unit(None, e, f) for e, f in ((1, 1.0), (2, 3.0), (3, 0.0)))
    drawn = floor.draw([light, heavy, none], 4000, random.Random(0))
    assert none not in drawn
    assert 2.7 < drawn.count(heavy) / drawn.count(light) < 3.3
    assert floor.draw([light, heavy], 5, random.Random(1)) == floor.draw([light, heavy], 5, random.Random(1))


def test_the_floor_is_each_draws_time_over_its_limit_and_parts_weigh_by_their_arithmetic(benchmark):
    floor = benchmark["floor"]
    # 2 draws: 1 s and 3 s of loop for 1e9 and 2e9 FLOPs; at 1 GFLOP/s the limit is 1 s and 2 s
    part = floor.Floor(loop_s=[1.0, 3.0], kernel_s=[0.5, 1.0], flops=[1e9, 2e9], train_flops=[0.5e9, 1e9], sizes=[1, 2])
    assert part.ratios("loop", 1.0) == [1.0, 1.5] and part.ratios("kernels", 1.0) == [1.0, 1.0]
    assert part.ratios("loop", 2.0) == [2.0, 3.0]
    assert floor.estimate([1.0, 1.5]) == (1.25, pytest.approx(0.25))
    other = floor.Floor(loop_s=[4.0, 4.0], kernel_s=[1.0, 1.0], flops=[1e9, 1e9], train_flops=[1e9, 1e9], sizes=[1, 1])
    mean, se = floor.combined({"a": part, "b": other}, {"a": 3.0, "b": 1.0}, 1.0)
    assert mean == pytest.approx(0.75 * 1.25 + 0.25 * 4.0) and se == pytest.approx(0.75 * 0.25)


def test_the_studys_ratio_is_the_product_of_its_steps(benchmark):
    from dltips.study_time import JUDGING, StudyTime, TIED
    from dltips.phases import EVALUATION, LAYER_STATS, RATE_SEARCH, STARTUP, TRAINING

    study = benchmark["study"]
    cpu = {STARTUP: 10.0, RATE_SEARCH: 40.0, TRAINING: 30.0, EVALUATION: 5.0, LAYER_STATS: 5.0, TIED: 10.0,
           JUDGING: 10.0}
    time_ = StudyTime(wall=100.0, cores=2, parts={}, cpu=cpu, model_epochs={})
    # 1e11 FLOPs at 1 GFLOP/s: 100 s of limit; the loop alone 0.6 x that, 60 s
    parts = study.decomposition(time_, 1e11, 0.6, 1.0)
    assert parts["cores not computing"] == 200.0 / 110.0
    assert parts["CPU outside the epochs"] == 110.0 / 90.0
    assert parts["epochs over their loop alone"] == 90.0 / 60.0
    product = 1.0
    for key in ("cores not computing", "CPU outside the epochs", "epochs over their loop alone", "the loop alone"):
        product *= parts[key]
    assert product == pytest.approx(parts["the study"]) and parts["the study"] == 2.0


def test_a_finished_study_is_read_beside_the_limit_its_loop_and_the_textbook_loop(benchmark, finished_study,
                                                                                   tiny_work, capsys):
    """(e) on a study of one job: the command prints the figures with their ratios, the table of
    its parts, and the product of the steps from the study to the limit."""
    results, job = finished_study
    study = benchmark["study"]
    records = study.StudyRecords.read(results, 1)
    n = sum(records.model_epochs.values())
    study.report_study(results, 1, tiny_work, draws=4, seed=0)
    out = capsys.readouterr().out
    assert f"wall 3.5 s on 1 cores, {n:,} model-epochs (reported " in out
    assert f"the study:        {3500 / n:8.2f} ms per model-epoch" in out
    assert re.search(r"arithmetic limit: +\d+\.\d\d ms .*-> the study at \d+\.\d\dx the limit", out)
    assert re.search(r"its loop alone: +\d+\.\d\d ms \(\d+\.\d\d ± \d+\.\d\dx the limit", out)
    assert re.search(r"textbook loop: +\d+\.\d\d ms .*-> \d+\.\d\dx the study's cost", out)
    assert "| rate search and confirmation | " in out and "| reported runs | " in out and "| tied-rate runs" not in out
    assert re.search(r"^the study at \d+\.\d\dx the limit = \d+\.\d\d \(cores not computing\) x ", out, re.M)
