"""The stacked MLP, optimizers, regularizers and the trainer's records."""

import math
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
import torch

from dltips.activations import ACTIVATIONS, build as build_activation
from dltips.model import StackedMLP
from dltips.optimizers import OPTIMIZERS, PerModelLR
from dltips.regularizers import Regularization, build as build_reg
from dltips.trainer import Member, StackConfig, Trainer, train

MODEL = {"depth": 2, "width": 8, "maxout_pieces": 3}


def make_model(activation="relu", k=3, inits=None, seed=0, **dropout):
    act = build_activation(activation, MODEL)
    gens = [torch.Generator().manual_seed(seed + i) for i in range(k)]
    return StackedMLP(k, 6, MODEL["width"], MODEL["depth"], 4, act, inits or ["default"] * k, gens, **dropout)


@pytest.mark.parametrize("name", ACTIVATIONS.names())
def test_every_activation_gives_logits_of_the_right_shape(name):
    model = make_model(name)
    out = model(torch.randn(5, 6))
    assert out.shape == (3, 5, 4) and torch.isfinite(out).all()
    if name == "maxout":
        assert model.weights[0].shape == (3, 6, MODEL["width"] * MODEL["maxout_pieces"])


def test_maxout_takes_the_largest_piece_and_sends_its_gradient_there():
    act = build_activation("maxout", {"maxout_pieces": 2})
    pre = torch.tensor([[[1.0, -2.0, 0.5, 3.0]]], requires_grad=True)
    out = act.forward(pre, None)
    assert torch.equal(out.detach(), torch.tensor([[[1.0, 3.0]]]))
    with torch.no_grad():  # evaluation takes another op; the values must not change
        assert torch.equal(act.forward(pre, None), out.detach())
    out.sum().backward()
    assert torch.equal(pre.grad, torch.tensor([[[1.0, 0.0, 0.0, 1.0]]]))


def test_prelu_is_identity_above_zero_and_slope_times_x_below():
    act = build_activation("prelu", MODEL)
    pre = torch.tensor([[[2.0, -2.0, 0.0, -0.5]]])
    slope = torch.tensor([[[0.25, 0.25, 0.5, 0.1]]])
    assert torch.equal(act.forward(pre, slope), torch.where(pre >= 0, pre, slope * pre))


def test_stacked_models_are_independent():
    model = make_model(k=3)
    x = torch.randn(5, 6)
    out = model(x)
    with torch.no_grad():
        model.weights[0][1].add_(1.0)  # perturb model 1 only
    changed = model(x)
    assert torch.equal(out[0], changed[0]) and torch.equal(out[2], changed[2])
    assert not torch.equal(out[1], changed[1])


def test_init_is_per_model_and_seeded():
    a, b = make_model(inits=["default", "he", "xavier"]), make_model(inits=["default", "he", "xavier"])
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    # each model draws from its own generator: model k is the model its seed gives alone
    for k, init in enumerate(["default", "he", "xavier"]):
        alone = make_model(k=1, inits=[init], seed=k)
        assert all(torch.equal(mine[k], its[0]) for mine, its in zip(a.parameters(), alone.parameters()))
    assert b.biases[0][1].abs().sum() == 0 and b.biases[0][0].abs().sum() > 0  # he: zero bias; default: uniform
    he_std = b.weights[0][1].std().item()
    assert abs(he_std - math.sqrt(2 / 6)) < 0.25  # He: variance 2 / fan_in


def test_leaky_and_elu_match_torch():
    x = torch.linspace(-3, 3, 61).view(1, 1, -1)
    leaky = build_activation("leaky_relu", MODEL).forward(x, None)
    assert torch.allclose(leaky, torch.where(x > 0, x, 0.01 * x))
    elu = build_activation("elu", MODEL).forward(x, None)
    assert torch.allclose(elu, torch.where(x > 0, x, torch.expm1(x)))  # ELU with alpha 1


def test_dropout_is_random_in_training_and_off_in_evaluation():
    model = make_model(k=2, dropout_input=[0.0, 0.5], dropout_hidden=[0.0, 0.5])
    x = torch.randn(64, 6)
    model.train()
    first, second = model(x), model(x)
    assert torch.equal(first[0], second[0])  # p = 0: no dropout
    assert not torch.equal(first[1], second[1])  # p = 0.5: fresh masks each call
    model.eval()
    assert torch.equal(model(x), model(x))


def test_inverted_dropout_keeps_the_expected_activation():
    model = make_model(k=2, dropout_input=[0.5, 0.0], dropout_hidden=[0.2, 0.0])
    model.train()
    keep = model._keep_masks(20000, torch.ones(1))
    inputs, hidden = keep[0][0], keep[1][0]
    assert abs((inputs != 0).float().mean().item() - 0.5) < 0.02
    assert abs((hidden != 0).float().mean().item() - 0.8) < 0.02
    assert torch.allclose(inputs[inputs != 0], torch.tensor(2.0))  # kept units scaled by 1 / (1 - p)
    assert torch.allclose(hidden[hidden != 0], torch.tensor(1.25))
    assert torch.equal(keep[0][1], torch.ones_like(keep[0][1]))  # the model without dropout keeps all


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_per_model_learning_rates_equal_separate_torch_optimizers(name):
    """Stepping a stack at lr=1 and scaling each model's delta equals one optimizer per model."""
    torch.manual_seed(0)
    lrs = [0.1, 0.01, 0.001]
    stacked = torch.nn.Parameter(torch.randn(3, 4, 5))
    singles = [torch.nn.Parameter(stacked[k].detach().clone()) for k in range(3)]
    spec = OPTIMIZERS[name]
    cls = getattr(torch.optim, spec.torch_class)
    separate = [cls([p], lr=lr, **{k: tuple(v) if isinstance(v, list) else v for k, v in spec.defaults.items()})
                for p, lr in zip(singles, lrs)]
    opt = PerModelLR(name, [stacked], lrs)
    active = torch.ones(3, dtype=torch.bool)
    for step in range(20):
        target = torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(step))
        opt.zero_grad()
        ((stacked - target) ** 2).sum().backward()
        opt.step(active)
        for k, (p, o) in enumerate(zip(singles, separate)):
            o.zero_grad()
            ((p - target[k]) ** 2).sum().backward()
            o.step()
    for k in range(3):
        torch.testing.assert_close(stacked[k].detach(), singles[k].detach(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
@pytest.mark.parametrize("lrs", [[0.1, 0.1, 0.1], [0.1, 0.01, 0.001]])
def test_an_optimizer_cut_to_some_models_steps_them_as_the_full_one_would(name, lrs):
    torch.manual_seed(0)
    full = torch.nn.Parameter(torch.randn(3, 4, 5))
    opt = PerModelLR(name, [full], lrs)
    grads = torch.randn(6, 3, 4, 5)
    for g in grads[:3]:
        full.grad = g.clone()
        opt.step(torch.ones(3, dtype=torch.bool))
    part = torch.nn.Parameter(full.detach()[[0, 2]].clone())
    cut = opt.select([0, 2], [part])
    for g in grads[3:]:
        full.grad, part.grad = g.clone(), g[[0, 2]].clone()
        opt.step(torch.ones(3, dtype=torch.bool))
        cut.step(torch.ones(2, dtype=torch.bool))
    assert torch.equal(part.detach(), full.detach()[[0, 2]])


def test_frozen_models_do_not_move():
    p = torch.nn.Parameter(torch.ones(2, 3))
    opt = PerModelLR("sgd", [p], [0.1, 0.1])
    p.grad = torch.ones(2, 3)
    opt.optimizer.zero_grad = lambda **_: None
    opt.step(torch.tensor([True, False]))
    assert torch.allclose(p[0], torch.full((3,), 0.9)) and torch.equal(p[1].detach(), torch.ones(3))


def test_penalties_have_the_textbook_gradients_on_weights_only(tiny_dataset):
    members = [Member(0, 0.1, Regularization(l1=0.3)), Member(0, 0.1, Regularization(l2=0.5)),
               Member(0, 0.1, Regularization())]
    cfg = StackConfig(activation="prelu", optimizer="sgd", model=MODEL, epochs=1)
    trainer = Trainer(cfg, members, tiny_dataset, device="cpu")
    for p in trainer.model.parameters():
        p.grad = torch.zeros_like(p)
    trainer.state.penalties.add_gradients(trainer.model.weights)
    grads = {n: p.grad for n, p in trainer.model.named_parameters()}
    for i, w in enumerate(trainer.model.weights):
        torch.testing.assert_close(grads[f"weights.{i}"][0], 0.3 * torch.sign(w[0].detach()))
        torch.testing.assert_close(grads[f"weights.{i}"][1], 0.5 * w[1].detach())
        assert torch.count_nonzero(grads[f"weights.{i}"][2]) == 0  # no penalty, no gradient
    for name, g in grads.items():
        if not name.startswith("weights."):  # biases and PReLU slopes are never penalised
            assert torch.count_nonzero(g) == 0, name


def test_prelu_slope_is_learned(tiny_dataset):
    cfg = StackConfig(activation="prelu", optimizer="adam", model=MODEL, epochs=3, batch_size=16)
    trainer = Trainer(cfg, [Member(0, 0.01, build_reg("none", {}))], tiny_dataset)
    before = [s.detach().clone() for s in trainer.model.slopes]
    trainer.fit()
    assert any(not torch.equal(b, s.detach()) for b, s in zip(before, trainer.model.slopes))


def test_a_run_gives_the_same_numbers_alone_or_in_a_stack(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=6, batch_size=16)
    member = Member(1, 0.05, build_reg("dropout", {"input": 0.1, "hidden": 0.2}))
    alone = train(cfg, [member], tiny_dataset)[0]
    # a job's stack: one rate, other regularizers and seeds, one of them stopping early
    others = [Member(5, 0.05, build_reg("l2", {"strength": 0.01})), Member(0, 0.05, build_reg("early_stopping", {"patience": 1}))]
    l2, stacked, stopper = train(cfg, [others[0], member, others[1]], tiny_dataset)
    assert stopper.summary["epochs_run"] < cfg.epochs  # it left the stack while the others trained on
    assert stacked.epochs == alone.epochs  # bit for bit
    assert pd.DataFrame(stacked.layers).equals(pd.DataFrame(alone.layers))  # NaN where no activation
    assert all(torch.equal(stacked.state[n], alone.state[n]) for n in alone.state)
    # a tuning stack (one rate per model): Adam steps each model apart, at its own rate, so
    # bit for bit again; an optimizer that rescales each model's step is equal to rounding
    mixed = train(cfg, [Member(5, 0.5, build_reg("none", {})), member], tiny_dataset)[1]
    assert mixed.epochs == alone.epochs
    sgd = StackConfig(activation="relu", optimizer="momentum", model=MODEL, epochs=6, batch_size=16)
    sgd_alone = train(sgd, [member], tiny_dataset)[0]
    sgd_mixed = train(sgd, [Member(5, 0.5, build_reg("none", {})), member], tiny_dataset)[1]
    for a, b in zip(sgd_alone.epochs, sgd_mixed.epochs):
        assert (a["epoch"], a["split"]) == (b["epoch"], b["split"])
        assert a["loss"] == pytest.approx(b["loss"], rel=1e-3, abs=1e-4)


def test_stopped_models_leave_the_stack_and_the_others_carry_on_unchanged(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=12, batch_size=16)
    members = [Member(0, 0.05, build_reg("early_stopping", {"patience": 1})),
               Member(1, 0.05, build_reg("dropout", {"input": 0.1, "hidden": 0.2}))]
    trainer = Trainer(cfg, members, tiny_dataset)
    stopped, running = trainer.fit()
    assert stopped.summary["epochs_run"] < 12 and running.summary["epochs_run"] == 12
    assert trainer.model.n_models == 1 and trainer.state.members_at == [1]  # the stopped model costs nothing more
    assert stopped.summary["reported_epoch"] == stopped.summary["best_epoch"]  # its best weights were kept
    alone = train(cfg, [members[1]], tiny_dataset)[0]
    assert running.epochs == alone.epochs
    assert pd.DataFrame(running.layers).equals(pd.DataFrame(alone.layers))  # NaN where no activation
    assert all(torch.equal(running.state[n], alone.state[n]) for n in alone.state)


def test_a_model_that_stops_gets_statistics_at_its_last_epoch(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=12, batch_size=16, stats_every=4)
    members = [Member(0, 0.05, build_reg("early_stopping", {"patience": 1})), Member(1, 0.05, build_reg("none", {}))]
    stopper, runner = train(cfg, members, tiny_dataset)
    last = stopper.summary["epochs_run"]
    assert last < 12 and last % 4 != 0  # it stopped between two scheduled statistics
    assert sorted({r["epoch"] for r in stopper.layers}) == [e for e in (0, 4, 8) if e < last] + [last]
    assert sorted({r["epoch"] for r in runner.layers}) == [0, 4, 8, 12]  # the others keep their schedule


def test_layer_statistics_are_taken_at_the_epochs_asked_for_and_a_models_last(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=12, batch_size=16,
                      stats_epochs=(5,), stats_every=None)
    members = [Member(0, 0.05, build_reg("early_stopping", {"patience": 1})), Member(1, 0.05, build_reg("none", {}))]
    stopper, runner = train(cfg, members, tiny_dataset)
    last = stopper.summary["epochs_run"]
    assert sorted({r["epoch"] for r in runner.layers}) == [0, 5, 12]
    assert sorted({r["epoch"] for r in stopper.layers}) == sorted({0, last} | ({5} if last >= 5 else set()))
    nothing = train(StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=2, batch_size=16,
                                layer_stats=False), members[1:], tiny_dataset)[0]
    assert nothing.layers == [] and len(nothing.epochs) == 3 * 3  # evaluation goes on


def test_without_curves_train_and_test_are_evaluated_only_where_a_summary_reads_them(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=15, batch_size=16, curves=False)
    members = [Member(0, 0.05, build_reg("early_stopping", {"patience": 2})), Member(1, 0.2, build_reg("none", {})),
               Member(2, 0.05, build_reg("l2", {"strength": 0.01}))]
    part, full = train(cfg, members, tiny_dataset), train(replace(cfg, curves=True), members, tiny_dataset)
    skipped = set()
    for some, every in zip(part, full):
        drop_seconds = lambda summary: {k: v for k, v in summary.items() if k != "seconds"}  # noqa: E731
        assert drop_seconds(some.summary) == drop_seconds(every.summary)
        assert all(row in every.epochs for row in some.epochs)  # the same numbers where evaluated
        last = some.summary["epochs_run"]
        assert sorted(r["epoch"] for r in some.epochs if r["split"] == "val") == list(range(last + 1))
        evaluated = {r["epoch"] for r in some.epochs if r["split"] == "test"}
        assert {0, some.summary["best_epoch"], some.summary["reported_epoch"], last} <= evaluated
        assert evaluated == {r["epoch"] for r in some.epochs if r["split"] == "train"}
        skipped |= set(range(last + 1)) - evaluated
    assert skipped  # epochs where no model reached a new best: validation alone was evaluated


def test_records_start_at_epoch_zero_and_cover_every_layer(tiny_dataset):
    cfg = StackConfig(activation="sigmoid", optimizer="sgd", model=MODEL, epochs=2, stats_every=1)
    result = train(cfg, [Member(0, 0.1, build_reg("none", {}))], tiny_dataset)[0]
    assert sorted({(r["epoch"], r["split"]) for r in result.epochs}) == [
        (e, s) for e in range(3) for s in ("test", "train", "val")
    ]
    layers = {(r["epoch"], r["layer"]) for r in result.layers}
    assert layers == {(e, l) for e in range(3) for l in (1, 2, 3)}
    first = [r for r in result.layers if r["epoch"] == 0]
    assert all(r["rel_change"] == 0 for r in first) and all(r["grad_norm"] > 0 for r in first)
    assert math.isnan(first[-1]["act_mean"])  # the output layer has no activation
    assert 0 <= first[0]["saturated"] <= 1


def test_divergence_is_recorded_and_the_others_go_on(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="sgd", model=MODEL, epochs=4, batch_size=16)
    members = [Member(0, 1e6, build_reg("none", {})), Member(0, 0.05, build_reg("none", {}))]
    blown, fine = train(cfg, members, tiny_dataset)
    assert blown.summary["diverged"] and not fine.summary["diverged"]
    assert blown.summary["epochs_run"] < 4 and fine.summary["epochs_run"] == 4
    assert fine.summary["final_train_accuracy"] > 0.5


def _stack_with_explosions(tiny_dataset, divergence_factor) -> list:
    """Five models trained side by side; right after epoch 0 the output weights of models 1, 2
    and 4 are scaled 1e5 times, so their logits and losses blow up, every number finite. Model 1
    has rate 0: its loss stays blown up to the end. Model 2 trains on: its loss comes back down.
    Model 4 has rate 0 and early stopping (patience 1): it stops at epoch 1, blown up."""
    cfg = StackConfig(activation="relu", optimizer="sgd", model=MODEL, epochs=3, batch_size=16,
                      divergence_factor=divergence_factor)
    none, early = build_reg("none", {}), build_reg("early_stopping", {"patience": 1})
    members = [Member(0, 0.05, none), Member(1, 0.0, none), Member(2, 0.05, none), Member(3, 0.05, none),
               Member(4, 0.0, early)]
    trainer = Trainer(cfg, members, tiny_dataset)
    start = trainer.start

    def start_then_blow_up():
        start()
        with torch.no_grad():
            for k in (1, 2, 4):
                trainer.model.weights[-1][k].mul_(1e5)

    trainer.start = start_then_blow_up
    return trainer.fit()


def _losses(result, split="val") -> list[float]:
    return [r["loss"] for r in result.epochs if r["split"] == split]


def test_a_loss_that_explodes_and_stays_so_is_diverged_and_the_others_go_on(tiny_dataset):
    caught, uncaught = _stack_with_explosions(tiny_dataset, 1000.0), _stack_with_explosions(tiny_dataset, None)
    for k in (1, 4):  # blown up where they end: diverged, by this rule alone
        initial, *later = _losses(caught[k])
        assert all(math.isfinite(x) and x > 1000 * initial for x in later)
        assert caught[k].summary["diverged"] and not uncaught[k].summary["diverged"]
    assert caught[1].summary["epochs_run"] == 3 and caught[4].summary["epochs_run"] == 1
    assert caught[4].summary["reported_epoch"] == 1  # a diverged run's best weights are not restored
    # model 2 leapt far above the factor for an epoch and came back: training, not divergence
    initial, *later = _losses(caught[2])
    assert max(later) > 1000 * initial and later[-1] < 10 * initial and not caught[2].summary["diverged"]
    for k in (0, 2, 3):  # the others: untouched, row for row
        timeless = [{key: v for key, v in r.summary.items() if key != "seconds"} for r in (caught[k], uncaught[k])]
        assert caught[k].epochs == uncaught[k].epochs and timeless[0] == timeless[1]


def test_the_divergence_rule_marks_non_finite_losses_of_training_models_only():
    from dltips.stopping import stop_diverged

    class State:  # the two fields the rule reads and writes
        def __init__(self):
            self.active = torch.tensor([True, True, True, False])
            self.diverged = torch.zeros(4, dtype=torch.bool)

    state = State()
    stop_diverged(state, torch.tensor([1.0, 5e10, math.inf, math.nan]))
    assert state.diverged.tolist() == [False, False, True, False]  # the stopped model stays as it was
    assert state.active.tolist() == [True, True, False, False]


def test_early_stopping_reports_the_best_epochs_weights(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=30, batch_size=16)
    trainer = Trainer(cfg, [Member(0, 0.05, build_reg("early_stopping", {"patience": 2}))], tiny_dataset)
    result = trainer.fit()[0]
    s = result.summary
    assert s["reported_epoch"] == s["best_epoch"] and s["epochs_run"] >= s["best_epoch"] + 2
    assert s["epochs_run"] < 30  # it stopped
    val = {r["epoch"]: r["loss"] for r in result.epochs if r["split"] == "val"}
    assert val[s["best_epoch"]] == min(val.values())
    # the reported weights really are that epoch's: evaluating them gives its val loss
    for name, p in trainer.model.named_parameters():
        p.data[0] = result.state[name]
    trainer.model.eval()
    with torch.no_grad():
        logits = trainer.model(trainer.x["val"])
        loss = torch.nn.functional.cross_entropy(logits[0], trainer.y["val"]).item()
    assert loss == pytest.approx(val[s["best_epoch"]], rel=1e-5)


def test_training_processes_flush_subnormals_and_use_the_threads_asked_for():
    code = ("import torch; from dltips.process import configure_torch; configure_torch(1); "
            "tiny = torch.tensor([1e-39]); print(torch.get_num_threads(), float(tiny * 1.0))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["1", "0.0"]  # 1e-39 is subnormal in float32: flushed to zero


def test_end_process_exits_cleanly_with_everything_written(tmp_path):
    out = tmp_path / "written.txt"
    code = (f"from dltips.process import end_process; open({str(out)!r}, 'w').write('kept'); "
            "print('printed', end=''); end_process(); print('never reached')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == "printed" and out.read_text() == "kept"



@pytest.mark.parametrize("progress", [None, "lambda: '1 of 2 jobs'"])
def test_a_training_job_prints_into_its_log_and_its_summary_on_the_console_too(tmp_path, progress):
    log = tmp_path / "job.log"
    code = ("from dltips.process import run_training_job\n"
            "def train():\n    print('epoch 1')\n    return 'job: 1 run'\n"
            f"run_training_job({str(log)!r}, [], train, progress={progress})\nprint('never reached')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    console = "job: 1 run\n" + ("1 of 2 jobs\n" if progress else "")  # how far the study is, after the summary
    assert done.returncode == 0 and done.stdout == "" and done.stderr == console
    assert log.read_text() == "epoch 1\njob: 1 run\n"  # the progress line is the console's alone

def test_a_training_job_never_imports_torch_dynamo():
    """torch.optim would import it (a third of a job's start-up) only to mark methods for
    torch.compile, which dltips does not use (dltips.optimizers)."""
    code = ("import sys, torch\n"
            "from dltips.optimizers import OPTIMIZERS, PerModelLR\n"
            "for name in OPTIMIZERS:\n"
            "    w = torch.randn(2, 3, requires_grad=True)\n"
            "    opt = PerModelLR(name, [w], [0.1, 0.2])\n"
            "    opt.zero_grad(); (w ** 2).sum().backward(); opt.step(torch.ones(2, dtype=torch.bool))\n"
            "    opt.select([1], [torch.randn(1, 3, requires_grad=True)])\n"
            "print('torch._dynamo' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("name", ["sgd", "momentum", "adagrad", "rmsprop", "adam"])
@pytest.mark.parametrize("lrs", [[0.05, 0.05, 0.05], [0.01, 0.1, 0.3]])  # shared rate, and one per model
def test_the_optimizer_step_is_bit_for_bit_torch_optims_public_step(name, lrs):
    from dltips.optimizers import PerModelLR

    torch.manual_seed(0)
    start = torch.randn(3, 4, 5)
    ours_w, theirs_w = start.clone().requires_grad_(), start.clone().requires_grad_()
    ours, theirs = PerModelLR(name, [ours_w], lrs), PerModelLR(name, [theirs_w], lrs)
    theirs._step = theirs.optimizer.step  # the public, wrapped step
    active = torch.tensor([True, False, True])
    for _ in range(4):
        for opt, w in ((ours, ours_w), (theirs, theirs_w)):
            opt.zero_grad()
            ((w - 0.3) ** 3).sum().backward()
            opt.step(active)
    assert torch.equal(ours_w, theirs_w) and not torch.equal(ours_w, start)


# Operations whose result the host must read from the tensor's memory: on a GPU each waits for
# the device (and a captured graph cannot contain one). `bool(t)`, `float(t)` and `t.item()`
# all reach _local_scalar_dense; nonzero and masked_select have a data-dependent size.
HOST_READS = {"aten._local_scalar_dense", "aten.nonzero", "aten.masked_select", "aten.equal", "aten.is_nonzero",
              "aten.unique", "aten._unique2", "aten.unique_consecutive"}


class HostReads(torch.utils._python_dispatch.TorchDispatchMode):
    """Records every operation that hands a tensor's values to the host. Optimizers built for
    the CPU keep their step counts there and read them (on a device they keep them on it)."""

    def __init__(self, host_counters):
        super().__init__()
        self.host_counters = {id(t) for t in host_counters}
        self.seen: list[str] = []

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket._qualified_op_name.replace("::", ".")
        if name in HOST_READS and not (args and id(args[0]) in self.host_counters):
            self.seen.append(name)
        return func(*args, **(kwargs or {}))


@pytest.mark.parametrize("name", OPTIMIZERS.names())
@pytest.mark.parametrize("lrs", [[0.05] * 5, [0.05, 0.01, 0.1, 0.3, 0.02]])  # a job's stack; a tuning stack
def test_a_training_step_never_waits_for_the_device(tiny_dataset, name, lrs):
    """A training epoch's steps read nothing back to the host, with every regularizer, gradient
    clipping and weight decay in the stack and a model that diverges in the middle of the
    epoch, so a GPU runs them ahead of the host (and a step can be captured as a graph)."""
    regs = [build_reg("none", {}), build_reg("l1", {"strength": 1e-3}), build_reg("l2", {"strength": 1e-3}),
            build_reg("dropout", {"input": 0.1, "hidden": 0.2}), build_reg("early_stopping", {"patience": 2})]
    cfg = StackConfig(activation="relu", optimizer=name, model=MODEL, epochs=2, batch_size=16)
    # the first model also clips its gradient norm (dltips.clipping), the third decays its weights
    # (dltips.weight_decay: it diverges, and stays frozen)
    trainer = Trainer(cfg, [Member(k, lr, reg, max_grad_norm=1.0 if k == 0 else None,
                                   weight_decay=0.1 if k == 2 else 0.0)
                            for k, (lr, reg) in enumerate(zip(lrs, regs))], tiny_dataset)
    trainer.train_epoch()  # optimizer state exists from here on
    # the step a GPU runs: on the CPU the optimizer may read `active` (nothing to wait for)
    trainer.state.optimizer.host_reads = False
    with torch.no_grad():
        trainer.model.weights[0][2].fill_(math.inf)  # model 2's loss turns non-finite on the next step
    counters = [s["step"] for s in trainer.state.optimizer.optimizer.state.values() if torch.is_tensor(s.get("step"))]
    with HostReads(counters) as reads:
        trainer.train_epoch()
    assert reads.seen == []
    assert trainer.state.diverged.tolist() == [False, False, True, False, False]  # and it was caught on the device
    assert torch.isinf(trainer.model.weights[0][2]).all()  # frozen as it was


@pytest.mark.parametrize("host_reads", [True, False])
def test_frozen_models_do_not_move_whether_the_step_reads_the_host_or_not(host_reads):
    torch.manual_seed(0)
    p = torch.nn.Parameter(torch.randn(3, 4, 5))
    opt = PerModelLR("adam", [p], [0.1] * 3, host_reads=host_reads)
    before = p.detach().clone()
    p.grad = torch.randn(3, 4, 5)
    opt.step(torch.tensor([True, False, True]))
    assert torch.equal(p[1].detach(), before[1]) and not torch.equal(p[0].detach(), before[0])
    assert opt.select([0, 2], [torch.nn.Parameter(p.detach()[[0, 2]])]).host_reads is host_reads


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_each_models_update_in_a_stack_is_bit_for_bit_its_update_alone(name):
    """On this machine's kernels, shapes whose per-model size is no multiple of any vector
    width (a whole-stack fused Adam fails this), at each position of a stack of 5, 30 steps;
    at one rate, and at a rate per model where the optimizer steps each model apart."""
    shapes = [(1, 100), (100, 10), (7, 13)]
    gen = torch.Generator().manual_seed(0)
    starts = [torch.randn(5, *shape, generator=gen) for shape in shapes]
    grads = [[torch.randn(5, *shape, generator=gen) * 10.0 ** (step % 5 - 3) for shape in shapes]
             for step in range(30)]
    rate_sets = [[0.01] * 5] + ([[0.01, 0.003, 0.03, 0.1, 0.001]] if OPTIMIZERS[name].per_model else [])
    for lrs in rate_sets:
        stack = [torch.nn.Parameter(s.clone()) for s in starts]
        alone = [[torch.nn.Parameter(s[k : k + 1].clone()) for s in starts] for k in range(5)]
        optimizers = [PerModelLR(name, stack, lrs)] + [PerModelLR(name, a, [lr]) for a, lr in zip(alone, lrs)]
        for step_grads in grads:
            for p, g in zip(stack, step_grads):
                p.grad = g.clone()
            for k, params in enumerate(alone):
                for p, g in zip(params, step_grads):
                    p.grad = g[k : k + 1].clone()
            for opt in optimizers:
                opt.step(torch.ones(len(opt.lr_values), dtype=torch.bool))
        for k, params in enumerate(alone):
            assert all(torch.equal(p[k : k + 1].detach(), q.detach()) for p, q in zip(stack, params)), (lrs, k)
