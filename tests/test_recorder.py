"""The recorder's reading hooks: the samples evaluation runs on, and each member's recorded
metrics by epoch, split and name (what the benchmark reads of a Trainer)."""

from dataclasses import replace

import pytest
import torch

from dltips.recorder import per_model_ce
from dltips.regularizers import build as build_reg
from dltips.trainer import Member, StackConfig, Trainer

MODEL = {"depth": 2, "width": 8, "maxout_pieces": 3}
CFG = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=12, batch_size=16)


def stopper_and_runner() -> list[Member]:
    return [Member(0, 0.05, build_reg("early_stopping", {"patience": 1})), Member(1, 0.05, build_reg("none", {}))]


def test_the_evaluation_set_holds_the_samples_evaluate_runs_on(tiny_dataset):
    trainer = Trainer(replace(CFG, train_eval_size=20), stopper_and_runner(), tiny_dataset)
    evaluated = trainer.recorder.evaluation_set()
    assert list(evaluated.slices) == ["train", "val", "test"]
    for split in ("val", "test"):
        sl = evaluated.slices[split]
        assert torch.equal(evaluated.x[sl], torch.from_numpy(tiny_dataset.x[split]))
        assert torch.equal(evaluated.y[sl], torch.from_numpy(tiny_dataset.y[split]))
    train_x, train_y = torch.from_numpy(tiny_dataset.x["train"]), torch.from_numpy(tiny_dataset.y["train"])
    sl = evaluated.slices["train"]
    assert sl.stop - sl.start == 20
    rows = [int((train_x == x).all(1).nonzero()) for x in evaluated.x[sl]]  # each a training sample, once
    assert len(set(rows)) == 20 and torch.equal(evaluated.y[sl], train_y[rows])
    # evaluate's losses are those of a forward over these samples
    metrics = trainer.recorder.evaluate(trainer.model)
    with torch.no_grad():
        logits = trainer.model(evaluated.x)
    for split, sl in evaluated.slices.items():
        assert torch.allclose(per_model_ce(logits[:, sl], evaluated.y[sl]), metrics[split][0], rtol=1e-5)


def test_the_evaluation_set_holds_only_the_splits_the_stack_evaluates(tiny_dataset):
    trainer = Trainer(replace(CFG, splits=("val",), curves=False), stopper_and_runner(), tiny_dataset)
    evaluated = trainer.recorder.evaluation_set()
    assert list(evaluated.slices) == ["val"] and torch.equal(evaluated.y, torch.from_numpy(tiny_dataset.y["val"]))


def test_recorded_gives_each_members_rows_by_name_until_it_leaves_the_stack(tiny_dataset):
    trainer = Trainer(CFG, stopper_and_runner(), tiny_dataset)
    stopper, runner = trainer.fit()
    last = stopper.summary["epochs_run"]
    assert last < CFG.epochs and runner.summary["epochs_run"] == CFG.epochs
    for k, result in enumerate((stopper, runner)):
        for row in result.epochs:
            for metric in ("loss", "accuracy"):
                assert trainer.recorder.recorded(row["epoch"], row["split"], metric)[k] == row[metric]
    assert set(trainer.recorder.recorded(last, "test", "accuracy")) == {0, 1}
    assert set(trainer.recorder.recorded(last + 1, "test", "accuracy")) == {1}  # the stopper had left
    assert trainer.recorder.recorded(CFG.epochs + 1, "val", "loss") == {}


def test_recorded_has_no_value_where_a_split_was_not_evaluated(tiny_dataset):
    members = [Member(0, 0.05, build_reg("early_stopping", {"patience": 2})), Member(1, 0.2, build_reg("none", {})),
               Member(2, 0.05, build_reg("l2", {"strength": 0.01}))]
    trainer = Trainer(replace(CFG, epochs=15, curves=False), members, tiny_dataset)
    skipped = 0
    for k, result in enumerate(trainer.fit()):
        test_epochs = {r["epoch"] for r in result.epochs if r["split"] == "test"}
        for epoch in set(range(result.summary["epochs_run"] + 1)) - test_epochs:
            assert k not in trainer.recorder.recorded(epoch, "test", "accuracy")
            assert k in trainer.recorder.recorded(epoch, "val", "accuracy")
            skipped += 1
    assert skipped  # epochs where no model reached a new best: validation alone was evaluated


def test_recorded_refuses_a_split_or_metric_it_does_not_have_naming_the_allowed_ones(tiny_dataset):
    recorder = Trainer(CFG, stopper_and_runner(), tiny_dataset).recorder
    with pytest.raises(ValueError, match=r"split: 'valid'.*\['train', 'val', 'test'\]"):
        recorder.recorded(0, "valid", "loss")
    with pytest.raises(ValueError, match=r"metric: 'acc'.*\['loss', 'accuracy'\]"):
        recorder.recorded(0, "val", "acc")
    val_only = Trainer(replace(CFG, splits=("val",), curves=False), stopper_and_runner(), tiny_dataset).recorder
    with pytest.raises(ValueError, match=r"split: 'test'.*\['val'\]"):
        val_only.recorded(0, "test", "accuracy")
