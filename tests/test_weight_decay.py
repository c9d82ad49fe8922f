"""A per-model feature added the way the README says: decoupled weight decay is a training
setting, a Member field, one line of the step and its module (dltips.weight_decay). That it
trains the same alone or in a stack other models leave: test_stack_state.py, with clipping."""

from dataclasses import replace

import pytest
import torch

from dltips.regularizers import build as build_reg
from dltips.trainer import Member, StackConfig, Trainer
from dltips.weight_decay import decay_weights_

MODEL = {"depth": 2, "width": 8, "maxout_pieces": 2}
NONE = build_reg("none", {})
DECAY = 0.1

# torch's own decoupled decay (AdamW), and SGD's L2-in-the-gradient decay, the same update under plain SGD
TORCH_RULES = {"adam": lambda groups, lr: torch.optim.AdamW(groups, lr=lr, betas=(0.9, 0.999)),
               "sgd": lambda groups, lr: torch.optim.SGD(groups, lr=lr)}


def one_step(data, optimizer, members):
    """The whole training split as one batch: train_epoch is one update. Returns the trainer
    and its parameters before it."""
    cfg = StackConfig(activation="relu", optimizer=optimizer, model=MODEL, epochs=1, batch_size=len(data.y["train"]))
    trainer = Trainer(cfg, members, data)
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.train_epoch()
    return trainer, before


@pytest.mark.parametrize("optimizer", sorted(TORCH_RULES))
@pytest.mark.parametrize("lrs", [[0.05] * 3, [0.05, 0.02, 0.1]])  # a job's stack; a tuning stack
def test_a_decaying_model_steps_as_torch_decays_it_and_the_others_as_without(tiny_dataset, optimizer, lrs):
    members = [Member(0, lrs[0], NONE), Member(1, lrs[1], NONE), Member(2, lrs[2], build_reg("l2", {"strength": 0.01}))]
    plain, before = one_step(tiny_dataset, optimizer, members)
    decaying, _ = one_step(tiny_dataset, optimizer, [members[0], replace(members[1], weight_decay=DECAY), members[2]])
    params = list(plain.model.parameters())
    is_weight = [any(p is w for w in plain.model.weights) for p in params]
    # model 1 alone under torch's rule, from the same start and the same gradient (the plain
    # stack's: its step left the gradient in place), its weight matrices decayed, not its biases
    alone = [b[1].clone() for b in before]
    for a, p in zip(alone, params):
        a.grad = p.grad[1].clone()
    TORCH_RULES[optimizer]([{"params": [a for a, w in zip(alone, is_weight) if w], "weight_decay": DECAY},
                            {"params": [a for a, w in zip(alone, is_weight) if not w], "weight_decay": 0.0}],
                           lrs[1]).step()
    for p, q, a, weight in zip(decaying.model.parameters(), params, alone, is_weight):
        assert torch.equal(p[0], q[0]) and torch.equal(p[2], q[2])  # the others: bit for bit
        torch.testing.assert_close(p[1].detach(), a, rtol=1e-5, atol=1e-7)
        assert torch.equal(p[1], q[1]) is not weight  # only the weight matrices decayed
    factor = 1 - lrs[1] * DECAY
    assert decaying.state.per_model.weight_decay.tolist() == [1.0, pytest.approx(factor), 1.0]
    assert plain.state.per_model.weight_decay is None  # a stack without decay does nothing for it
    # the factor follows its model when another leaves the stack
    assert decaying.state.select([1, 2]).per_model.weight_decay.tolist() == [pytest.approx(factor), 1.0]


def test_a_frozen_model_keeps_its_weights():
    weights = [torch.ones(2, 3, 4), torch.ones(2, 4, 1)]
    decay_weights_(weights, torch.tensor([0.5, 0.5]), torch.tensor([True, False]))
    assert all(torch.equal(w[0], torch.full_like(w[0], 0.5)) and torch.equal(w[1], torch.ones_like(w[1]))
               for w in weights)
