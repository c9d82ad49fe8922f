"""Verdict rules of the optimizer and penalty claims: each fed evidence where its claim holds
and evidence where it does not, and each figure drawn from the sample tables."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.figure import Figure

from dltips.activations import ACTIVATIONS
from dltips.claims import adam_rmsprop, adaptive_lr, momentum_escapes, settings_of, update_rules
from dltips.claims.runner import verdict_of
from dltips.penalties import Penalties
from dltips.verdicts import NOT_REPRODUCED, REPRODUCED

ADAPTIVE = settings_of(adaptive_lr.ID)
MOMENTUM = settings_of(momentum_escapes.ID)
ADAM = settings_of(adam_rmsprop.ID, {"steps": 100})  # the fewest the claim allows: half the default's time
L2 = settings_of(update_rules.L2.id, {"steps": 3})
L1 = settings_of(update_rules.L1.id, {"steps": 3})


@pytest.fixture(scope="module")
def sample_tables(smoke_tables):
    return {name: pd.read_csv(smoke_tables / f"{name}.csv") for name in ("runs", "tuning")}


def synthetic_runs(accuracy: dict, seeds=(0, 1, 2), diverged=()) -> pd.DataFrame:
    """Grid rows: optimizer -> final test accuracy, two activations, every seed."""
    rows = []
    for opt, acc in accuracy.items():
        for act in ("relu", "tanh"):
            for seed in seeds:
                rows.append({"study": "grid", "activation": act, "optimizer": opt, "regularizer": "none",
                             "seed": seed, "final_test_accuracy": acc + 0.01 * seed,
                             "final_train_loss": 1.0 + 0.01 * seed, "diverged": (opt, seed) in diverged})
    return pd.DataFrame(rows)


def synthetic_tuning(rates: dict, grid=(0.001, 0.01, 0.1)) -> pd.DataFrame:
    return pd.DataFrame([{"job": f"grid-{opt}", "optimizer": opt, "lr": lr, "chosen": lr == rate}
                         for opt, rate in rates.items() for lr in grid])


# ---- adaptive-lr ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def adaptive_evidence(sample_tables):
    return adaptive_lr.evidence(sample_tables, ADAPTIVE)


def test_rmsprop_step_grows_on_the_flat_part_and_adagrad_step_never_grows(adaptive_evidence):
    toy = adaptive_evidence["toy"]
    ada, rms = toy[toy.optimizer == "adagrad"], toy[toy.optimizer == "rmsprop"]
    # Adagrad's accumulator only grows: its step size is non-increasing exactly, not nearly
    assert (ada.max_stepwise_growth == 0.0).all()
    assert (rms.step_growth > ADAPTIVE.min_step_growth).all()
    assert ada.switch_step.notna().all() and rms.switch_step.notna().all()  # every run reached the flat part
    assert verdict_of(adaptive_lr.CLAIM, adaptive_evidence, ADAPTIVE).verdict == REPRODUCED


@pytest.mark.parametrize("name", list(adaptive_lr.OPTIMIZERS))
def test_the_recorded_effective_step_is_the_step_the_optimizer_took(name):
    traj = adaptive_lr.trajectories(ADAPTIVE, name).sort_values(["start", "step"])
    before = traj.groupby("start").position.shift(1).fillna(traj.start)
    np.testing.assert_allclose(traj.position - before, -traj.effective_step * traj.grad, rtol=1e-12, atol=1e-15)


def test_an_adagrad_whose_step_grows_is_not_reproduced():
    # an 'Adagrad' that forgets: its step grows once the gradient shrinks
    steps = np.arange(1, 11)
    traj = pd.DataFrame({"optimizer": "adagrad", "start": -1.0, "step": steps,
                         "grad": np.where(steps < 5, -10.0, -0.1), "on_flat": steps >= 5,
                         "position": steps * 0.1, "effective_step": np.where(steps < 5, 0.01, 0.05)})
    fake = adaptive_lr.summarize(traj, ADAPTIVE)
    assert fake.max_stepwise_growth.iloc[0] == pytest.approx(4.0)
    toy_rms = adaptive_lr.summarize(adaptive_lr.trajectories(ADAPTIVE, "rmsprop"), ADAPTIVE)
    assert verdict_of(adaptive_lr.CLAIM, {"toy": pd.concat([fake, toy_rms])}, ADAPTIVE).verdict == NOT_REPRODUCED


def test_an_rmsprop_that_never_forgets_does_not_adapt_and_is_not_reproduced():
    # alpha -> 1 turns RMSProp's average into a (scaled) running sum, like Adagrad's
    settings = ADAPTIVE.replace(rmsprop_alpha=0.99999)
    toy = pd.concat([adaptive_lr.summarize(adaptive_lr.trajectories(settings, name), settings)
                     for name in adaptive_lr.OPTIMIZERS])
    assert (toy[toy.optimizer == "rmsprop"].step_growth < settings.min_step_growth).all()
    assert verdict_of(adaptive_lr.CLAIM, {"toy": toy}, settings).verdict == NOT_REPRODUCED


def test_adaptive_grid_context_is_one_mean_per_optimizer_and_seed():
    runs = synthetic_runs({"adagrad": 0.5, "rmsprop": 0.7, "sgd": 0.9}, diverged={("rmsprop", 2)})
    ev = adaptive_lr.evidence({"runs": runs}, ADAPTIVE)
    grid = ev["grid"].set_index(["optimizer", "seed"])
    assert set(grid.index.get_level_values(0)) == {"adagrad", "rmsprop"}
    assert grid.loc[("adagrad", 1), "test_accuracy"] == pytest.approx(0.51)
    assert ("rmsprop", 2) not in grid.index  # its only runs diverged: no mean, counted in `diverged`
    fig = adaptive_lr.figure({"runs": runs}, ev, verdict_of(adaptive_lr.CLAIM, ev, ADAPTIVE), ADAPTIVE)
    assert isinstance(fig, Figure)
    plt.close(fig)


# ---- momentum-escapes ----------------------------------------------------------------

@pytest.fixture(scope="module")
def momentum_evidence(sample_tables):
    return momentum_escapes.evidence(sample_tables, MOMENTUM)


def test_momentum_escapes_where_plain_gradient_descent_stops(momentum_evidence):
    toy = momentum_evidence["toy"]
    local, barrier, best = momentum_escapes.critical_points(MOMENTUM.tilt)
    assert local < barrier < best and (toy.start < barrier).all()
    assert not toy.escaped_plain.any()
    np.testing.assert_allclose(toy.end_plain, local, atol=1e-6)  # plain GD stops in the local minimum
    np.testing.assert_allclose(toy.end_momentum[toy.escaped_momentum], best, atol=1e-6)
    assert toy.escaped_momentum.any() and not toy.escaped_momentum.all()  # momentum needs speed
    assert verdict_of(momentum_escapes.CLAIM, momentum_evidence, MOMENTUM).verdict == REPRODUCED


def test_momentum_that_rescues_nothing_is_not_reproduced():
    # a momentum far too small to carry anything (the settings refuse 0: no second run to compare)
    no_momentum = momentum_escapes.toy_outcomes(MOMENTUM.replace(momentum=1e-9))
    no_grid = pd.DataFrame()
    assert (no_momentum.rescued == 0).all()
    v = verdict_of(momentum_escapes.CLAIM, {"toy": no_momentum, "grid": no_grid}, MOMENTUM)
    assert v.verdict == NOT_REPRODUCED
    # both escape: momentum rescues nothing that plain descent did not reach itself
    both = no_momentum.assign(escaped_plain=True, escaped_momentum=True, rescued=0.0)
    assert verdict_of(momentum_escapes.CLAIM, {"toy": both, "grid": no_grid}, MOMENTUM).verdict == NOT_REPRODUCED


def test_seed_spread_is_per_cell_and_reported_as_context_only():
    runs = synthetic_runs({"sgd": 0.5, "adam": 0.8})
    cells = momentum_escapes.seed_spread(runs, "grid")
    assert len(cells) == 4 and (cells.seeds == 3).all()
    np.testing.assert_allclose(cells.train_loss_range, 0.02)
    toy = momentum_escapes.toy_outcomes(MOMENTUM)
    with_grid = verdict_of(momentum_escapes.CLAIM, {"toy": toy, "grid": cells}, MOMENTUM)
    without = verdict_of(momentum_escapes.CLAIM, {"toy": toy, "grid": cells.iloc[:0]}, MOMENTUM)
    assert with_grid.verdict == without.verdict and "no grid runs" in without.detail  # context never decides
    assert "no verdict" in with_grid.detail


def test_seed_spread_leaves_diverged_runs_out_and_counts_them():
    # a run whose training loss exploded (2.9e10 nats): its cell and the between-cell spread read the others
    runs = synthetic_runs({"sgd": 0.5, "adam": 0.8}, diverged={("sgd", 2)})
    runs.loc[runs.diverged, "final_train_loss"] = 2.9e10
    cells = momentum_escapes.seed_spread(runs, "grid").set_index(["activation", "optimizer"])
    plain = momentum_escapes.seed_spread(runs[~runs.diverged], "grid").set_index(["activation", "optimizer"])
    assert cells.loc[("relu", "sgd"), "seeds"] == 2 and cells.loc[("relu", "sgd"), "diverged"] == 1
    np.testing.assert_allclose(cells.between_cell_sd, plain.between_cell_sd)
    assert cells.train_loss_max.max() < 2
    v = verdict_of(momentum_escapes.CLAIM, {"toy": momentum_escapes.toy_outcomes(MOMENTUM),
                                            "grid": cells.reset_index()}, MOMENTUM)
    assert "2 diverged runs left out" in v.detail


def test_a_tilt_without_a_local_minimum_is_refused():
    with pytest.raises(ValueError, match="tilt"):
        momentum_escapes.critical_points(2.0)


# ---- adam-is-rmsprop-plus-momentum -------------------------------------------------

@pytest.fixture(scope="module")
def adam_evidence(sample_tables):
    return adam_rmsprop.evidence(sample_tables, ADAM)


def test_hand_written_rmsprop_momentum_bias_correction_equals_torch_adam(adam_evidence):
    main = adam_evidence["exact"][adam_evidence["exact"].variant == adam_rmsprop.MAIN]
    assert len(main) == ADAM.steps
    v = verdict_of(adam_rmsprop.CLAIM, adam_evidence, ADAM)
    assert v.verdict == REPRODUCED and v.value <= ADAM.tolerance


@pytest.mark.parametrize("variant", [*(v for v in adam_rmsprop.VARIANTS if v != adam_rmsprop.MAIN),
                                     adam_rmsprop.TORCH_RMSPROP])
def test_a_wrong_adam_is_not_reproduced(adam_evidence, variant):
    exact = adam_evidence["exact"]
    wrong = exact[exact.variant == variant].assign(variant=adam_rmsprop.MAIN)
    assert verdict_of(adam_rmsprop.CLAIM, {**adam_evidence, "exact": wrong}, ADAM).verdict == NOT_REPRODUCED


def _run_pair(make_a, make_b, steps=100):
    """Max |parameter difference| of two optimizers stepping copies of one tanh MLP on the same batch."""
    model, x, y = adam_rmsprop._problem(ADAM.problem)
    nets = (model(), model())
    opts = (make_a(nets[0].parameters()), make_b(nets[1].parameters()))
    for _ in range(steps):
        for net, opt in zip(nets, opts):
            net.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
            opt.step()
    return max(float((a - b).detach().abs().max()) for a, b in zip(nets[0].parameters(), nets[1].parameters()))


def test_torch_rmsprop_with_momentum_is_momentum_after_scaling_without_bias_correction():
    """What `torch.optim.RMSprop(momentum=b1)` changes against Adam: the momentum averages
    already-scaled gradients (each with its own v), and nothing is bias-corrected. The hand
    update with exactly those two changes IS torch's RMSprop (float64, 100 steps: rounding of
    ~1e-16 relative on parameters of size ~1, well inside 1e-12); each change alone moves the
    parameters far from Adam's."""
    lr, (b1, b2), eps = ADAM.lr, ADAM.betas, 1e-8
    torch_rms = lambda p: torch.optim.RMSprop(p, lr=lr * (1 - b1), alpha=b2, eps=eps, momentum=b1)  # noqa: E731
    hand = lambda **flags: (lambda p: adam_rmsprop.HandAdam(p, lr, (b1, b2), eps, **flags))  # noqa: E731
    assert _run_pair(torch_rms, hand(bias_correction=False, after_scaling=True)) < 1e-12
    assert _run_pair(torch_rms, hand(bias_correction=True, after_scaling=True)) > 1e-3  # bias correction matters
    assert _run_pair(torch_rms, hand(bias_correction=False, after_scaling=False)) > 1e-3  # and so does the order
    adam = lambda p: torch.optim.Adam(p, lr=lr, betas=(b1, b2), eps=eps)  # noqa: E731
    assert _run_pair(adam, hand(after_scaling=True)) > 1e-3
    assert _run_pair(adam, hand()) < 1e-12


def test_the_evidence_holds_every_contrast_with_the_torch_rmsprop_line():
    diffs = {name: adam_rmsprop.step_differences(ADAM, *flags) for name, flags in adam_rmsprop.VARIANTS.items()}
    diffs["torch"] = adam_rmsprop.step_differences(ADAM, True, False, other=adam_rmsprop.torch_rmsprop)
    assert diffs[adam_rmsprop.MAIN].max() <= ADAM.tolerance
    assert all(d.max() > 1e-3 for name, d in diffs.items() if name != adam_rmsprop.MAIN)


def test_hand_adam_with_everything_off_is_plain_rmsprop():
    # b1 = 0 and no bias correction: the update is torch's RMSprop with alpha = b2
    w_hand = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    w_ref = w_hand.detach().clone().requires_grad_(True)
    hand = adam_rmsprop.HandAdam([w_hand], 0.01, (0.9, 0.99), 1e-8, momentum=False, bias_correction=False)
    ref = torch.optim.RMSprop([w_ref], lr=0.01, alpha=0.99, eps=1e-8)
    for _ in range(20):
        for w, opt in ((w_hand, hand), (w_ref, ref)):
            w.grad = None
            (w**4).sum().backward()
            opt.step()
    torch.testing.assert_close(w_hand, w_ref, rtol=0, atol=1e-12)


def test_grid_ranking_reports_where_adam_ranks_and_edge_rates():
    runs = synthetic_runs({"sgd": 0.8, "momentum": 0.7, "adam": 0.6})
    tuning = synthetic_tuning({"sgd": 0.1, "momentum": 0.01, "adam": 0.001})
    ranking = adam_rmsprop.grid_ranking(runs, tuning, "grid").set_index("optimizer")
    assert ranking.loc["adam", "rank"] == 3 and ranking.loc["sgd", "rank"] == 1
    assert ranking.loc["adam", "tuned_at_grid_edge"] == 1 and ranking.loc["momentum", "tuned_at_grid_edge"] == 0
    exact_part = pd.DataFrame({"variant": adam_rmsprop.MAIN, "step": [1], "max_abs_diff": [0.0]})
    v = verdict_of(adam_rmsprop.CLAIM, {"exact": exact_part, "grid": ranking.reset_index()}, ADAM)
    assert v.verdict == REPRODUCED and "ranks 3 of 3" in v.detail  # the rank is context, not the verdict
    best = adam_rmsprop.grid_ranking(synthetic_runs({"sgd": 0.6, "adam": 0.9}), synthetic_tuning(
        {"sgd": 0.01, "adam": 0.01}), "grid").set_index("optimizer")
    assert best.loc["adam", "rank"] == 1


# ---- l2-shrinks and l1-subtracts ---------------------------------------------------

@pytest.mark.parametrize("claim,settings", [(update_rules.L2, L2), (update_rules.L1, L1)])
def test_the_pipelines_sgd_step_follows_the_penalty_update_rule(claim, settings):
    ev = claim.evidence({}, settings)
    errors = ev["errors"]
    assert len(errors) == settings.steps * len(settings.lrs) * (6 * 8 + 8 * 3)
    v = verdict_of(claim, ev, settings)
    assert v.verdict == REPRODUCED and v.value <= settings.tolerance
    # the effect is far above the tolerance, so the check can see a wrong factor
    assert errors.penalty_part.abs().max() > 1000 * settings.tolerance


@pytest.mark.parametrize("activation", ACTIVATIONS.names())
def test_the_penalty_checks_run_on_every_registered_activation(activation):
    settings = L2.replace(steps=1, problem={**L2.problem.model_dump(), "activation": activation})
    v = verdict_of(update_rules.L2, update_rules.L2.evidence({}, settings), settings)
    assert v.verdict == REPRODUCED


def test_l2_factor_is_exactly_one_minus_lr_times_strength():
    w = torch.tensor([0.5, -0.25, 0.0], dtype=torch.float64)
    shrunk = w + update_rules.predicted_penalty_step(w, 0.5, 0.1, "l2")
    assert torch.equal(shrunk, (1 - 0.5 * 0.1) * w)
    assert torch.equal(update_rules.predicted_penalty_step(w, 0.5, 0.1, "l1"), torch.tensor([-0.05, 0.05, 0.0],
                                                                                             dtype=torch.float64))


def _wrong_penalty(l1_factor: float, l2_factor: float):
    """Penalties.add_gradients with its gradients scaled by the given factors."""
    def add_penalty_gradients(self, weights):
        with torch.no_grad():
            for w in weights:
                for models, factor, term in ((self.l1_models, l1_factor, torch.sign), (self.l2_models, l2_factor, None)):
                    if models is not None:
                        which, strength = models
                        w.grad[which] += factor * strength * (w[which] if term is None else term(w[which]))
    return add_penalty_gradients


@pytest.mark.parametrize("claim,settings,l1_factor,l2_factor", [
    (update_rules.L2, L2, 1.0, 2.0),   # L2 without the 1/2: shrinks by 1 - 2*lr*l2
    (update_rules.L1, L1, 2.0, 1.0),   # L1 twice too strong
    (update_rules.L1, L1, 0.0, 1.0),   # L1 penalty silently dropped
])
def test_a_penalty_with_the_wrong_factor_is_not_reproduced(monkeypatch, claim, settings, l1_factor, l2_factor):
    monkeypatch.setattr(Penalties, "add_gradients", _wrong_penalty(l1_factor, l2_factor))
    ev = claim.evidence({}, settings)
    assert verdict_of(claim, ev, settings).verdict == NOT_REPRODUCED


# ---- figures on the sample tables --------------------------------------------------

def test_figures_draw_from_the_sample_tables(sample_tables, adaptive_evidence, momentum_evidence, adam_evidence):
    cases = [(adaptive_lr.CLAIM, ADAPTIVE, adaptive_evidence), (momentum_escapes.CLAIM, MOMENTUM, momentum_evidence),
             (adam_rmsprop.CLAIM, ADAM, adam_evidence),
             (update_rules.L2, L2, None), (update_rules.L1, L1, None)]
    for claim, settings, ev in cases:
        ev = claim.evidence(sample_tables, settings) if ev is None else ev
        v = verdict_of(claim, ev, settings)
        fig = claim.figure(sample_tables, ev, v, settings)
        assert isinstance(fig, Figure) and fig.get_suptitle().split("\n")[0].endswith(f"— {v.verdict}")
        plt.close(fig)
