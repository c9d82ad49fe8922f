"""The stack's per-model state: one select for every field, and the per-model features of the step
(gradient clipping here, weight decay in test_weight_decay.py), each a Member field and one line of the loop."""

import math
from dataclasses import dataclass, replace

import pytest
import torch

from dltips.regularizers import build as build_reg
from dltips.stack_state import PerModel, StackState
from dltips.trainer import Member, StackConfig, Trainer, train
from dltips.training_settings import DEFAULTS

MODEL = {"depth": 2, "width": 8, "maxout_pieces": 2}
NONE = build_reg("none", {})


@dataclass
class ScheduledState(StackState):
    """A per-model feature nobody wrote a select rule for: a per-position tensor and list."""

    warmup_left: torch.Tensor | None = None
    schedule_names: list[str] | None = None


def test_select_cuts_every_field_including_ones_it_was_never_told_about(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=1, batch_size=16)
    members = [Member(k, 0.01 * (k + 1), build_reg("early_stopping", {"patience": 2}) if k == 1 else NONE)
               for k in range(4)]
    trainer = Trainer(cfg, members, tiny_dataset)
    trainer.train_epoch()  # optimizer state, changed weights
    full = trainer.state
    state = ScheduledState(**vars(full), warmup_left=torch.tensor([5, 6, 7, 8]), schedule_names=list("abcd"))
    picked = state.select([3, 1])
    assert isinstance(picked, ScheduledState)
    assert picked.warmup_left.tolist() == [8, 6] and picked.schedule_names == ["d", "b"]
    assert picked.members_at == [3, 1] and picked.shuffle_rngs == [full.shuffle_rngs[3], full.shuffle_rngs[1]]
    assert picked.optimizer.lr_values == [0.04, 0.02] and picked.penalties.l2 == [0.0, 0.0]
    for mine, theirs in zip(picked.model.parameters(), full.model.parameters()):
        assert torch.equal(mine, theirs[[3, 1]])
    for mine, theirs in zip(picked.initial + picked.best_state, full.initial + full.best_state):
        assert torch.equal(mine, theirs[[3, 1]])
    with pytest.raises(TypeError, match="dict"):
        replace(state, schedule_names={"a": 1}).select([0])


def one_step_trainer(data, members) -> Trainer:
    """SGD on the whole training split as one batch: train_epoch is one update."""
    cfg = StackConfig(activation="relu", optimizer="sgd", model=MODEL, epochs=1, batch_size=len(data.y["train"]))
    return Trainer(cfg, members, data)


def test_a_model_that_clips_its_gradient_steps_as_clipping_says_and_the_others_as_without(tiny_dataset):
    members = [Member(0, 0.1, NONE), Member(1, 0.1, NONE), Member(2, 0.1, build_reg("l2", {"strength": 0.01}))]
    plain = one_step_trainer(tiny_dataset, members)
    before = [p.detach().clone().double() for p in plain.model.parameters()]
    plain.train_epoch()
    unclipped = [p.detach().double() - b for p, b in zip(plain.model.parameters(), before)]  # -lr * gradient
    norm = math.sqrt(sum(float(d[1].square().sum()) for d in unclipped)) / 0.1
    limit = norm / 4
    clipping = one_step_trainer(tiny_dataset, [members[0], replace(members[1], max_grad_norm=limit), members[2]])
    clipping.train_epoch()
    for p, q, b, d in zip(clipping.model.parameters(), plain.model.parameters(), before, unclipped):
        assert torch.equal(p[0], q[0]) and torch.equal(p[2], q[2])  # the others: bit for bit
        # the clipped model: the unclipped step scaled by max_norm / (||g|| + 1e-6), as torch clips
        torch.testing.assert_close(p[1].detach().double(), b[1] + d[1] * (limit / (norm + 1e-6)), rtol=0, atol=1e-6)
        assert not torch.equal(p[1], q[1])
    assert clipping.state.per_model.max_grad_norm.tolist() == [math.inf, pytest.approx(limit), math.inf]
    # the field follows its model when another leaves the stack
    assert clipping.state.select([1, 2]).per_model.max_grad_norm.tolist() == [pytest.approx(limit), math.inf]


@pytest.mark.parametrize("feature", [{"max_grad_norm": 0.5}, {"weight_decay": 0.5}])
def test_a_per_model_feature_trains_the_same_alone_or_in_a_stack_another_model_leaves(tiny_dataset, feature):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=12, batch_size=16)
    member = Member(1, 0.05, build_reg("dropout", {"input": 0.1, "hidden": 0.2}), **feature)
    stopper = Member(0, 0.05, build_reg("early_stopping", {"patience": 1}))
    trainer = Trainer(cfg, [stopper, member], tiny_dataset)
    stopped, stacked = trainer.fit()
    assert stopped.summary["epochs_run"] < 12 and trainer.state.members_at == [1]  # the stopper left
    ((name, _),) = feature.items()
    # the feature's stacked value followed its model
    own = getattr(PerModel.of([member], torch.device("cpu")), name)
    assert torch.equal(getattr(trainer.state.per_model, name), own)
    alone = train(cfg, [member], tiny_dataset)[0]
    assert stacked.epochs == alone.epochs and all(torch.equal(stacked.state[n], alone.state[n]) for n in alone.state)
    off = train(cfg, [replace(member, **{name: getattr(DEFAULTS, name)})], tiny_dataset)[0]
    assert off.epochs != alone.epochs  # the feature changed its course
