"""The rate search's decisions: one score at every cut and at the pick, no cut among
candidates at chance, and runner-ups tied with the pick measured and marked."""

import math
import statistics

import pytest
import torch

from dltips.stopping import EpochView
from dltips.tuning import Halving, mark_ties, pick_noise, tune

from test_tuning import DATA, RUNS, Fake, make_job


def view(epoch: int, accuracy: list[float], best_epoch: list[int]) -> EpochView:
    """The stack at the end of `epoch`, every member training, member k at position k."""
    n = len(accuracy)
    return EpochView(epoch, list(range(n)), [True] * n, best_epoch, torch.tensor(accuracy))


def halving(lrs, keep=0.5, at_chance=0.15) -> Halving:
    return Halving([("none/default", lr) for lr in lrs], at=[2], keep=keep, at_chance=at_chance)


def test_halving_ranks_by_the_accuracy_at_the_lowest_validation_loss_not_the_best_accuracy_so_far():
    policy = halving([0.1, 0.01])
    # 0.1 peaks at 0.6 in epoch 1, then reaches a lower validation loss at 0.5 in epoch 2;
    # 0.01 has its lowest validation loss in epoch 1, at 0.55
    assert policy(view(0, [0.1, 0.1], [0, 0])) == []
    assert policy(view(1, [0.6, 0.55], [1, 1])) == []
    assert policy(view(2, [0.5, 0.52], [2, 1])) == [0]  # by the best accuracy so far 0.1 would stay
    assert policy.fate == {0: "halved at epoch 2"}
    assert policy.cut_scores == {("none/default", 0.1): {2: pytest.approx(0.5)},
                                 ("none/default", 0.01): {2: pytest.approx(0.55)}}


@pytest.mark.parametrize("accuracy, stopped", [
    ([0.11, 0.12, 0.10, 0.13], []),  # all at chance (0.1 + 0.05): no cut tells them apart
    ([0.80, 0.12, 0.11, 0.10], []),  # the cut would fall among those at chance: all go on
    ([0.80, 0.70, 0.12, 0.11], [2, 3]),  # the kept half is above chance: those at chance go
])
def test_halving_never_cuts_among_candidates_at_chance(accuracy, stopped):
    policy = halving([0.0001, 0.001, 0.01, 0.1])
    policy(view(0, [0.1] * 4, [0] * 4))
    assert policy(view(2, accuracy, [2] * 4)) == stopped


def scores(table):
    """A Fake's score: table[lr], or table[lr][seed] where a rate's score depends on the seed."""
    return lambda lr, seed: table[lr] if isinstance(table[lr], float) else table[lr][seed]


def test_a_runner_up_within_one_binomial_standard_error_of_the_pick_is_tied_with_it():
    fake = Fake(scores({0.001: 0.5, 0.01: 0.80, 0.1: 0.79}), [])
    chosen, records = tune(make_job(RUNS[:1]), DATA, "cpu", None, fake)
    se = math.sqrt(0.8 * 0.2 / 1000)  # 0.0126 on DATA's 1,000 validation samples
    assert chosen["none/default"]["lr"] == 0.01 and chosen["none/default"]["tied"] == [0.1]
    assert {r["lr"]: r["tied_with_pick"] for r in records} == {0.001: False, 0.01: False, 0.1: True}
    assert all(r["tie_noise"] == pytest.approx(se) and r["seed_sd"] is None for r in records)
    assert all(r["pick_score"] == pytest.approx(0.8) for r in records)


def test_a_runner_up_further_than_the_noise_is_no_tie_unless_the_rule_allows_that_many_noise_units():
    fake = Fake(scores({0.001: 0.5, 0.01: 0.80, 0.1: 0.76}), [])  # 3.2 standard errors apart
    chosen, records = tune(make_job(RUNS[:1]), DATA, "cpu", None, fake)
    assert chosen["none/default"]["tied"] == [] and not any(r["tied_with_pick"] for r in records)
    chosen, _ = tune(make_job(RUNS[:1], tie_within=4.0), DATA, "cpu", None, Fake(fake.score, []))
    assert chosen["none/default"]["tied"] == [0.1]


# the pick's score varies from seed to seed more than the validation split can resolve
SPREAD = {0.001: 0.5, 0.01: {1000: 0.80, 1001: 0.85, 1002: 0.75, 1003: 0.80}, 0.1: 0.77}


def test_the_seed_to_seed_sd_is_the_noise_where_confirmation_seeds_train_the_pick_the_whole_length():
    job = make_job(RUNS[:1], confirm_seeds=[1001, 1002, 1003], confirm_epochs=None)
    chosen, records = tune(job, DATA, "cpu", None, Fake(scores(SPREAD), []))
    sd = statistics.stdev([0.80, 0.85, 0.75, 0.80])  # 0.041; the SE is 0.0126
    assert chosen["none/default"] == {"lr": 0.01, "status": "interior", "score": pytest.approx(0.8), "tied": [0.1]}
    assert [r["seed_sd"] for r in records] == pytest.approx([sd] * len(records))
    assert records[0]["tie_noise"] == pytest.approx(sd)


def test_confirmation_runs_shorter_than_the_search_leave_the_seed_sd_unknown():
    job = make_job(RUNS[:1], confirm_seeds=[1001, 1002, 1003], confirm_epochs=2)  # tune_epochs 4
    chosen, records = tune(job, DATA, "cpu", None, Fake(scores(SPREAD), []))
    assert chosen["none/default"]["tied"] == [] and {r["seed_sd"] for r in records} == {None}


def test_several_tuning_seeds_give_the_sd_and_their_mean_is_that_much_less_noisy():
    table = {0.001: 0.5, 0.01: {1000: 0.80, 1001: 0.84}, 0.1: {1000: 0.80, 1001: 0.81}}
    chosen, records = tune(make_job(RUNS[:1], tune_seeds=(1000, 1001)), DATA, "cpu", None, Fake(scores(table), []))
    noise = pick_noise(0.82, 1000, math.sqrt(2) * 0.02, 2)
    assert noise == pytest.approx(0.02)  # SD 0.028 over root 2 tuning seeds, above the SE 0.012
    assert records[0]["tie_noise"] == pytest.approx(noise)
    assert chosen["none/default"]["tied"] == [0.1]  # 0.805 against 0.82


def cand(lr, score, fate, diverged=False):
    return {"lr": lr, "seed": 1000, "best_val_accuracy": score, "fate": fate, "diverged": diverged}


def test_a_halved_runner_up_is_compared_with_the_pick_at_the_cut_that_halved_it():
    own = [cand(0.001, 0.30, "halved at epoch 3"), cand(0.003, 0.395, "halved at epoch 3"),
           cand(0.01, 0.90, "kept"), cand(0.1, 0.0, "diverged", diverged=True)]
    cuts = {0.001: {3: 0.30}, 0.003: {3: 0.395}, 0.01: {3: 0.40}, 0.1: {3: 0.41}}
    tied = mark_ties(own, 0.01, 0.90, set(), cuts, 1000, 1.0, confirmation_full_length=False)
    assert tied == [0.003]  # 0.005 below the pick's 0.40 at epoch 3; never within noise of its final 0.90
    assert [(r["score"], r["pick_score"]) for r in own] == [(0.30, 0.40), (0.395, 0.40), (0.90, 0.90), (None, None)]


def test_a_rate_that_diverged_on_a_confirmation_seed_is_never_tied_however_close():
    fake = Fake(scores({0.001: 0.3, 0.01: 0.5, 0.1: 0.505, 1.0: 0.0}), [],  # 1.0: the step past the edge
                diverges=lambda lr, seed: lr == 1.0 or (lr == 0.1 and seed != 1000))
    chosen, records = tune(make_job(RUNS[:1], confirm_seeds=[1001], confirm_epochs=2), DATA, "cpu", None, fake)
    assert chosen["none/default"]["lr"] == 0.01 and chosen["none/default"]["tied"] == []
    search = [r for r in records if r["lr"] == 0.1 and r["seed"] == 1000]
    assert search[0]["score"] == pytest.approx(0.505) and not search[0]["tied_with_pick"]
    assert all(r["score"] is None and not r["tied_with_pick"] for r in records if r["seed"] == 1001)


def test_an_untrainable_condition_marks_its_ties_but_gives_the_rate_look_no_rate_to_train():
    # every rate at chance (DATA has 10 classes): untrainable at each of them, so another rate's
    # runs would judge nothing the pick's do not
    fake = Fake(scores({0.001: 0.101, 0.01: 0.102, 0.1: 0.100}), [])
    chosen, records = tune(make_job(RUNS[:1]), DATA, "cpu", None, fake)
    assert chosen["none/default"]["status"] == "untrainable" and chosen["none/default"]["tied"] == []
    assert sum(r["tied_with_pick"] for r in records) == 2

