"""A training job shows its movement: one log line per epoch, one summary line."""

import re

import pytest

from dltips.progress import EpochLog
from dltips.regularizers import build as build_reg
from dltips.trainer import Member, StackConfig, train

MODEL = {"depth": 2, "width": 8, "maxout_pieces": 2}
LINE = re.compile(r"training epoch (\d+)/12: (\d+) of 2 runs still training, mean val loss (\S+) "
                  r"\(nats, over (\d+) runs?\), (\d+\.\d\d) s")


def test_one_line_per_epoch_with_the_runs_left_and_their_mean_validation_loss(tiny_dataset):
    cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=12, batch_size=16)
    members = [Member(0, 0.05, build_reg("early_stopping", {"patience": 1})), Member(1, 0.05, build_reg("none", {}))]
    lines = []
    log = EpochLog("training", write=lines.append)
    stopper, runner = train(cfg, members, tiny_dataset, observers=[log])
    assert len(lines) == 12 and all(LINE.fullmatch(line) for line in lines), lines[:2]
    parsed = [LINE.fullmatch(line).groups() for line in lines]
    stopped_at = stopper.summary["epochs_run"]
    assert stopped_at < 12
    for epoch, left, mean, counted, _ in parsed:
        epoch = int(epoch)
        # the stopper's last epoch still counts it in the mean; from then on one run is left
        assert int(left) == (2 if epoch < stopped_at else 1)
        assert int(counted) == (2 if epoch <= stopped_at else 1)
        val_losses = [r["loss"] for result in (stopper, runner) for r in result.epochs
                      if r["epoch"] == epoch and r["split"] == "val"]
        assert float(mean) == pytest.approx(sum(val_losses) / len(val_losses), abs=5e-5)
    summary = log.summary("grid-x-relu-adam", 0.05, "tuned", [stopper, runner])
    # a tuning stack records validation only: its line shows that loss too, not "n/a"
    tuning_lines = []
    tuning_cfg = StackConfig(activation="relu", optimizer="adam", model=MODEL, epochs=2, batch_size=16, splits=("val",),
                             layer_stats=False)
    (tuned,) = train(tuning_cfg, [Member(0, 0.05, build_reg("none", {}))], tiny_dataset,
                     observers=[EpochLog("tuning", write=tuning_lines.append)])
    val_loss = [r["loss"] for r in tuned.epochs if r["epoch"] == 2 and r["split"] == "val"][0]
    assert re.fullmatch(r"tuning epoch 2/2: 1 of 1 run still training, mean val loss (\S+) \(nats, over 1 run\), .*",
                        tuning_lines[-1])
    assert float(tuning_lines[-1].split("mean val loss ")[1].split()[0]) == pytest.approx(val_loss, abs=5e-5)
    assert re.fullmatch(r"grid-x-relu-adam: 2 runs, lr 0\.05 \(tuned\), 12 epochs, 0 diverged, \d+\.\d s training",
                        summary)
