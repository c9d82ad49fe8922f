"""The stack's per-model state: one select for every field."""

from dataclasses import dataclass, replace

import pytest
import torch

from dltips.regularizers import build as build_reg
from dltips.stack_state import StackState
from dltips.trainer import Member, StackConfig, Trainer

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
