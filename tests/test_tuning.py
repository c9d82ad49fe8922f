"""Learning rates per condition: conditions, successive halving, edge extension, 'does not train'."""

import math
from dataclasses import dataclass, replace
from types import SimpleNamespace

import pytest
import torch

from dltips.config import ConfigError
from dltips.contract import Job
from dltips.jobs import run_job, stack_config
from dltips.plan import plan
from dltips.trainer import train
from dltips.tuning import _pick, CONFIRMED, EDGE, INTERIOR, UNSTABLE, UNTRAINABLE, beyond, conditions_of, grid_step, tune

MODEL = {"depth": 2, "width": 8, "maxout_pieces": 2}


def make_job(runs, grid=(0.001, 0.01, 0.1), bounds=(1e-4, 1.0), halving=None, epochs=3, tune_epochs=4,
             confirm_seeds=(), confirm_epochs=None, tune_seeds=(1000,), tie_within=1.0):
    return Job.from_dict({
        "job": "j", "study": "grid", "dataset": "tiny", "activation": "relu", "optimizer": "sgd",
        "optimizer_params": {}, "model": MODEL, "inits": sorted({r["init"] for r in runs}),
        "training": {"epochs": epochs, "batch_size": 16, "probe_size": 16, "stats_every": 1,
                     "train_eval_size": None},
        "learning_rate": {"source": "tune", "grid": list(grid), "bounds": list(bounds), "tune_epochs": tune_epochs,
                          "tune_seeds": list(tune_seeds), "confirm_seeds": list(confirm_seeds),
                          "confirm_epochs": confirm_epochs, "halving": halving,
                          "min_gain_over_chance": 0.05, "tie_within": tie_within},
        "runs": runs,
    })


def run(variant, regularizer, params, init="default", seed=0):
    return {"run": f"{variant}-{init}-s{seed}", "variant": variant, "regularizer": regularizer,
            "reg_params": params, "init": init, "seed": seed}


RUNS = [
    run("none", "none", {}),
    run("early_stopping", "early_stopping", {"patience": 2}),
    run("dropout-hidden0.1", "dropout", {"input": 0.0, "hidden": 0.1}),
    run("dropout-hidden0.5", "dropout", {"input": 0.0, "hidden": 0.5}),
    run("none", "none", {}, init="he"),
]


def test_each_init_and_loss_surface_is_a_condition_and_early_stopping_shares_the_unregularized_one():
    assert list(conditions_of(make_job(RUNS))) == [
        "none/default", "dropout-hidden0.1/default", "dropout-hidden0.5/default", "none/he"]


def test_an_edge_pick_extends_the_grid_by_its_own_step():
    assert grid_step([0.0001, 0.0003, 0.001, 0.003]) == pytest.approx(10 ** 0.5, rel=0.05)
    assert [beyond(3.0, 10 ** 0.5, up=True), beyond(9.0, 10 ** 0.5, up=True)] == [9.0, 30.0]
    assert beyond(1e-4, 10 ** 0.5, up=False) == 3e-5


@dataclass
class Fake:
    """A stand-in for training: each candidate's best validation accuracy is score(lr) (or
    score(lr, seed) where it takes two arguments)."""

    score: object
    calls: list
    diverges: object = lambda lr, seed: False

    def __call__(self, cfg, members, data, device, stopping=()):
        self.calls.append(sorted({m.lr for m in members}))
        score = self.score if self.score.__code__.co_argcount == 2 else lambda lr, seed: self.score(lr)
        return [SimpleNamespace(summary={"diverged": self.diverges(m.lr, m.seed), "best_val_accuracy": score(m.lr, m.seed),
                                         "epochs_run": 4}) for m in members]


DATA = SimpleNamespace(n_classes=10, y={"val": [0] * 1000})  # what tuning reads of a dataset


def test_a_pick_on_the_top_edge_extends_until_the_optimum_is_interior():
    fake = Fake(lambda lr: 0.9 - abs(torch.log10(torch.tensor(lr)).item() - 0.5) * 0.1, [])  # best near 3
    chosen, records = tune(make_job(RUNS[:1], bounds=(1e-4, 100.0)), DATA, "cpu", None, fake)
    assert chosen["none/default"]["lr"] == 1.0  # 10 scores the same: ties go to the smaller rate
    assert chosen["none/default"]["status"] == INTERIOR
    assert fake.calls[1:] == [[1.0], [10.0]]  # one step past 0.1, then one past 1, where it turned
    assert {r["round"] for r in records} == {0, 1, 2} and sum(r["chosen"] for r in records) == 1


def test_a_pick_that_reaches_the_bound_is_recorded_at_the_edge():
    fake = Fake(lambda lr: 0.2 + lr / 10, [])  # ever better: the bound stops the search
    chosen, _ = tune(make_job(RUNS[:1], bounds=(1e-4, 1.0)), DATA, "cpu", None, fake)
    assert chosen["none/default"] == {"lr": 1.0, "status": EDGE, "score": pytest.approx(0.3), "tied": []}


def test_a_net_no_rate_trains_is_untrainable_and_the_grid_is_not_extended():
    fake = Fake(lambda lr: 0.1 + (0.01 if lr == 0.001 else 0.0), [])  # chance everywhere
    chosen, _ = tune(make_job(RUNS[:1]), DATA, "cpu", None, fake)
    assert chosen["none/default"]["status"] == UNTRAINABLE and len(fake.calls) == 1


# on its tuning seed the best rate is the largest; on another seed it diverges (and 0.1 at once)
EDGE_OF_STABILITY = dict(score=lambda lr: {0.001: 0.3, 0.01: 0.5, 0.1: 0.7, 1.0: 0.0}[lr],
                         diverges=lambda lr, seed: lr == 1.0 or (lr == 0.1 and seed != 1000))


def test_a_pick_that_diverges_on_a_confirmation_seed_gives_way_to_the_next_best_which_is_confirmed():
    fake = Fake(calls=[], **EDGE_OF_STABILITY)
    chosen, records = tune(make_job(RUNS[:1], confirm_seeds=[1001], confirm_epochs=2), DATA, "cpu", None, fake)
    assert chosen["none/default"] == {"lr": 0.01, "status": INTERIOR, "score": pytest.approx(0.5), "tied": []}
    confirmations = [(r["lr"], r["seed"], r["fate"]) for r in records if r["fate"] in (CONFIRMED, UNSTABLE)]
    assert confirmations == [(0.1, 1001, UNSTABLE), (0.01, 1001, CONFIRMED)]
    assert fake.calls == [[0.001, 0.01, 0.1], [1.0], [0.1], [0.01]]  # search, edge step (diverged), two confirmations
    assert [r["round"] for r in records if r["seed"] == 1001] == [2, 3]


def test_a_rate_that_diverged_late_is_never_picked_and_a_rate_halved_away_earlier_is():
    """Maxout/momentum on MNIST-1D: 0.1 led at epoch 10 and diverged at epoch 35; every other
    finalist diverged at once. It was picked with score 0 and the net called untrainable."""
    def cand(lr, score, fate, diverged=False):
        return {"lr": lr, "best_val_accuracy": score, "fate": fate, "diverged": diverged, "seed": 1000}

    records = [cand(0.01, 0.41, "halved at epoch 10"), cand(0.03, 0.4875, "halved at epoch 10"),
               cand(0.1, 0.0, "diverged", True), cand(0.3, 0.0, "diverged", True), cand(1.0, 0.0, "diverged", True)]
    assert _pick(records) == (0.03, 0.4875)
    assert _pick(records, unstable={0.03}) == (0.01, 0.41)
    assert _pick([r for r in records if r["diverged"]]) == (None, 0.0)


def test_without_confirmation_seeds_the_pick_of_one_seed_stands():
    fake = Fake(calls=[], **EDGE_OF_STABILITY)
    chosen, records = tune(make_job(RUNS[:1]), DATA, "cpu", None, fake)
    assert chosen["none/default"]["lr"] == 0.1 and len(fake.calls) == 2
    assert not any(r["fate"] in (CONFIRMED, UNSTABLE) for r in records)


def test_a_net_every_rate_of_which_diverges_on_a_confirmation_seed_is_untrainable():
    fake = Fake(lambda lr: 0.6, [], diverges=lambda lr, seed: seed == 1001)
    chosen, records = tune(make_job(RUNS[:1], confirm_seeds=[1001]), DATA, "cpu", None, fake)
    assert chosen["none/default"]["status"] == UNTRAINABLE
    assert sorted(r["lr"] for r in records if r["fate"] == UNSTABLE) == [1e-4, 0.001, 0.01, 0.1]  # with the edge step


def test_confirmation_runs_train_each_confirmation_seed_for_confirm_epochs_only(tiny_dataset):
    job = make_job(RUNS[:1], grid=(0.01, 0.1, 0.5), bounds=(0.01, 0.5), tune_epochs=4,
                   confirm_seeds=[1001, 1002], confirm_epochs=2)
    chosen, records = tune(job, tiny_dataset, "cpu", stack_config(job, epochs=4, tuning=True), train)
    confirmations = [r for r in records if r["fate"] in (CONFIRMED, UNSTABLE)]
    assert sorted(r["seed"] for r in confirmations if r["lr"] == chosen["none/default"]["lr"]) == [1001, 1002]
    assert {r["epochs_trained"] for r in confirmations} == {2}
    assert {r["epochs_trained"] for r in records if r["fate"] == "kept"} == {4}


def test_halving_keeps_each_conditions_better_half_by_the_one_score_and_tuning_records_what_it_reads(
        tiny_dataset):
    grid = (0.003, 0.01, 0.03, 0.1, 0.3, 0.5)
    job = make_job([RUNS[0], RUNS[4]], grid=grid, bounds=(1e-5, 1.0), halving={"at": [2], "keep": 0.5}, tune_epochs=4)
    seen = []

    def spy(cfg, members, data, device, stopping=()):
        results = train(cfg, members, data, device, stopping=stopping)
        seen.append((cfg, results, stopping))
        return results

    chosen, records = tune(job, tiny_dataset, "cpu", stack_config(job, epochs=4, tuning=True), spy)
    cfg, results, [halver] = seen[0]
    first = [r for r in records if r["round"] == 0]
    # one score: what halving ranked each candidate by, to its last epoch, is its summary's
    # best_val_accuracy, which the pick ranks by and tuning.csv records
    assert [halver.score[k] for k in range(len(first))] == [r["best_val_accuracy"] for r in first]
    for condition in ("none/default", "none/he"):
        own = [r for r in first if r["condition"] == condition]
        halved = [r for r in own if r["fate"] == "halved at epoch 2"]
        assert len(own) == 6 and len(halved) == 3  # ceil(0.5 * 6) = 3 kept
        assert all(r["epochs_trained"] == 2 for r in halved)
        at_cut = {lr: halver.cut_scores[(condition, lr)][2] for lr in grid}
        assert max(at_cut[r["lr"]] for r in halved) <= min(at_cut[r["lr"]] for r in own if r["fate"] == "kept")
        pick = chosen[condition]["lr"]
        assert all(r["score"] == r["best_val_accuracy"] == at_cut[r["lr"]] and r["pick_score"] == at_cut[pick]
                   for r in halved)
        assert not any(r["lr"] == pick for r in halved)
    # validation at every epoch; the train split only where a summary reads it; no layer statistics
    assert cfg.splits == ("train", "val") and not cfg.layer_stats and not cfg.curves
    for r in results:
        val = [row["epoch"] for row in r.epochs if row["split"] == "val"]
        train_epochs = {row["epoch"] for row in r.epochs if row["split"] == "train"}
        assert r.layers == [] and val == list(range(r.summary["epochs_run"] + 1))
        assert {r.summary["best_epoch"], r.summary["epochs_run"]} <= train_epochs <= set(val)


def test_each_candidate_records_its_training_loss_at_its_last_epoch_as_a_run_that_long_reports_it(tiny_dataset):
    from dltips.regularizers import Regularization
    from dltips.trainer import Member

    grid = (0.003, 0.03, 0.3, 0.9)
    job = make_job([RUNS[0]], grid=grid, bounds=(1e-5, 1.0), halving={"at": [2], "keep": 0.5}, tune_epochs=5)
    _, records = tune(job, tiny_dataset, "cpu", stack_config(job, epochs=5, tuning=True), train)
    first = [r for r in records if r["round"] == 0]
    assert {r["epochs_trained"] for r in first} == {2, 5}  # halved ones stopped at the cut, the rest went on
    for r in first:
        alone = replace(stack_config(job, epochs=r["epochs_trained"]), plateau_patience=None)
        [result] = train(alone, [Member(seed=r["seed"], lr=r["lr"], reg=Regularization())], tiny_dataset)
        # a stack of several rates rounds its steps unlike a lone model's, in the last bits
        assert r["train_loss"] == pytest.approx(result.summary["final_train_loss"], rel=1e-5)
        assert r["train_accuracy"] == pytest.approx(result.summary["final_train_accuracy"], abs=1e-9)


def test_recording_the_training_loss_changes_no_score_fate_or_pick(tiny_dataset):
    grid = (0.003, 0.01, 0.03, 0.1, 0.3, 0.9)
    job = make_job([RUNS[0], RUNS[4]], grid=grid, bounds=(1e-5, 1.0), halving={"at": [2], "keep": 0.5},
                   tune_epochs=4, confirm_seeds=[1001, 1002], confirm_epochs=2)
    cfg = stack_config(job, epochs=4, tuning=True)
    chosen, records = tune(job, tiny_dataset, "cpu", cfg, train)
    chosen_before, before = tune(job, tiny_dataset, "cpu", replace(cfg, splits=("val",)), train)
    assert chosen == chosen_before
    assert [{k: v for k, v in r.items() if not k.startswith("train_")} for r in records] == \
        [{k: v for k, v in r.items() if not k.startswith("train_")} for r in before]
    assert all(math.isnan(r["train_loss"]) for r in before)  # a stack without the train split records none


def test_tuning_candidates_carry_the_jobs_per_model_features_as_its_runs_do(tiny_dataset):
    job = make_job([RUNS[0], RUNS[2]], grid=(0.01, 0.1), bounds=(0.01, 0.1), tune_epochs=1)
    job = replace(job, training=job.training.replace(max_grad_norm=2.0))
    seen = []

    def spy(cfg, members, data, device, stopping=()):
        seen.extend(members)
        return train(cfg, members, data, device, stopping=stopping)

    tune(job, tiny_dataset, "cpu", stack_config(job, epochs=1, tuning=True), spy)
    assert len(seen) == 4 and all(m.max_grad_norm == 2.0 for m in seen)  # 2 conditions x 2 rates


def test_every_run_trains_at_its_conditions_rate_exactly_as_it_would_alone(tiny_dataset, tmp_path):
    from dltips.data import save

    save(tiny_dataset, tmp_path / "tiny.npz", {})
    job = make_job(RUNS, grid=(0.01, 0.1, 0.5), bounds=(0.01, 0.5), tune_epochs=2)
    run_job(job, tmp_path / "tiny.npz", tmp_path / "out")
    import json

    cfgs = {r["run"]: json.loads((tmp_path / "out" / r["run"] / "config.json").read_text()) for r in RUNS}
    chosen = json.loads((tmp_path / "out" / "job.json").read_text())["lrs"]
    for r in RUNS:
        key = "none/" + r["init"] if r["regularizer"] in ("none", "early_stopping") else f"{r['variant']}/{r['init']}"
        assert cfgs[r["run"]]["lr"] == chosen[key]["lr"]
        assert cfgs[r["run"]]["lr_status"] == chosen[key]["status"]
    # a run alone, at its rate, gives the same metrics as in the job's stack
    alone = Job.from_dict({**job.to_dict(), "runs": [RUNS[3]],
                           "learning_rate": {"source": "fixed", "value": cfgs["dropout-hidden0.5-default-s0"]["lr"]}})
    run_job(alone, tmp_path / "tiny.npz", tmp_path / "alone")
    a = json.loads((tmp_path / "alone" / RUNS[3]["run"] / "metrics.json").read_text())
    b = json.loads((tmp_path / "out" / RUNS[3]["run"] / "metrics.json").read_text())
    assert {k: v for k, v in a.items() if k not in ("seconds", "stack_size")} == \
        {k: v for k, v in b.items() if k not in ("seconds", "stack_size")}


@pytest.mark.parametrize("change, words", [
    (lambda c: c["learning_rate"].update(tune_seeds=[0, 1000]), ["tune_seeds", "[0]", "disjoint"]),
    (lambda c: c["learning_rate"].update(confirm_seeds=[1000]), ["confirm_seeds", "[1000]", "disjoint"]),
    (lambda c: c["learning_rate"].update(confirm_seeds=[3, 1001]), ["confirm_seeds", "[3]", "disjoint"]),
    (lambda c: c["learning_rate"].update(bounds=[0.01, 1.0]), ["learning_rate.bounds", "0.0001"]),
    (lambda c: c["learning_rate"].update(halving={"at": [40], "keep": 0.5}), ["halving.at", "40", "training.epochs"]),
])
def test_a_tuning_protocol_that_would_judge_on_its_own_seeds_or_cut_itself_short_is_refused(
        default_config, change, words):
    from dltips.config import validate
    from conftest import SCHEMA

    config = validate(default_config, SCHEMA)
    change(config)
    with pytest.raises(ConfigError) as error:
        plan(config)
    assert all(w in str(error.value) for w in words)


def test_plateau_stop_keeps_the_final_weights_and_says_so(tiny_dataset):
    from dltips.regularizers import Regularization
    from dltips.trainer import Member, StackConfig

    cfg = StackConfig(activation="relu", optimizer="sgd", model=MODEL, epochs=40, batch_size=16, plateau_patience=2)
    # a rate so high the validation loss stops improving early
    [result] = train(cfg, [Member(seed=0, lr=0.9, reg=Regularization())], tiny_dataset)
    s = result.summary
    assert s["stopped_on_plateau"] and s["epochs_run"] == s["best_epoch"] + 2 < 40
    assert s["reported_epoch"] == s["epochs_run"]  # not the best epoch's weights
