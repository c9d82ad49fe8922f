"""How jobs train: one typed class per level, the one place each training setting's default,
range and why live.

`TrainingSettings` declares what a job computes with. From it come config.yaml's `training:`
block (`TrainingConfig`: the same settings and `device`; config.yaml gives only what a study
changes, a sweep's `training:` what its jobs change), that block's part of the config schema
(checked before anything trains, with the schema's readable errors), a job's `training`
(`JobTraining`: the same settings and what the job records) and the defaults of the trainer's
`StackConfig` and `Member`. The plan, the jobs and the tuning read it by attribute.

A per-model feature of the step (gradient clipping, weight decay) is a setting declared with
`feature`: a Member field of the same name takes the job's value (trainer.Member.of), and a
job's spec holds it only where it is set, so adding one leaves every job trained before it
with the spec it was trained under (job.json, Snakemake's params): nothing is retrained.

Torch-free: the Snakefile imports the plan, and with it this module, on every parse.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .claims.settings import ClaimSettings, schema_fragment, setting

# json_schema_extra key of a feature: the job's spec holds it only where it is not its default
_WRITTEN_WHEN_SET = "x-written-when-set"


def feature(default: Any, why: str, **limits: Any) -> Any:
    """A setting a job's spec holds only where it differs from `default` (its off value)."""
    return Field(default, description=why, json_schema_extra={_WRITTEN_WHEN_SET: True}, **limits)


class TrainingSettings(ClaimSettings):
    """What a job's runs are trained with; frozen, and a misspelt key is an error (the claims'
    typed settings, claims.settings). The field order is the order of a job spec's keys."""

    epochs: int = setting(40, "epochs each model trains: long enough for train accuracy to pass test and the "
                              "validation loss to turn up", ge=1)
    batch_size: int = setting(128, "samples per update, each model on its own shuffle; 128, a usual minibatch, "
                                    "not tuned", ge=1)
    probe_size: int = setting(512, "the fixed training batch the per-layer gradient and activation statistics are "
                                   "taken on", ge=1)
    stats_every: int | None = setting(
        None, "per-layer statistics (layers.csv) are taken where a claim reads them (its study, its epochs, epoch 0 "
              "and each run's last); a number adds every that many epochs everywhere", ge=1)
    train_eval_size: int | None = setting(None, "training samples evaluated each epoch; null: as many as the test "
                                                "set (DeepOBS)", ge=1)
    plateau_patience: int | None = setting(
        None, "stop a model when its validation loss has not improved for this many epochs (final weights kept: "
              "'trained to convergence'); null trains every epoch", ge=1)
    # written into a job's spec only where a study changes it, so adding the rule left every finished
    # job's spec (and Snakemake's params) as they were: it changes only runs that explode
    divergence_factor: float | None = feature(
        1000.0, "a model whose validation loss at its last epoch exceeds this many times its epoch-0 loss has "
                "diverged, though finite: cross-entropy starts near ln(classes), 2.3 nats for 10, and a loss that "
                "many times that is an explosion that did not come back, not learning or overfitting (overfitting "
                "raises it at most ~20x, README); null: only a non-finite loss diverges", gt=1)
    max_grad_norm: float | None = feature(
        None, "each model's gradient, all its parameters together, is scaled down to at most this norm "
              "(dltips.clipping, torch's clip_grad_norm_ rule); null: not clipped. No study sets it", gt=0)
    weight_decay: float = feature(
        0.0, "decoupled weight decay: before each step a model's weight matrices shrink by 1 - lr * weight_decay "
             "(dltips.weight_decay, torch.optim.AdamW's rule); 0: none. No study sets it", ge=0)

    def spec(self) -> dict:
        """The settings as a job's spec holds them (JSON's values: a tuple is a list): every
        field, less the features left at their default, in declaration order."""
        return {name: list(value) if isinstance(value, tuple) else value
                for name, value in self.model_dump().items() if not self._unset_feature(name, value)}

    @classmethod
    def _unset_feature(cls, name: str, value: Any) -> bool:
        info = cls.model_fields[name]
        return bool((info.json_schema_extra or {}).get(_WRITTEN_WHEN_SET)) and value == info.default


class TrainingConfig(TrainingSettings):
    """config.yaml's `training:` block: the settings, and where the jobs run."""

    device: Literal["auto", "cpu", "cuda"] = setting(
        "auto", "auto (CUDA where present), cpu or cuda; where a job runs does not change what it computes, so it "
                "is no part of a job's spec and never retrains one")


class JobTraining(TrainingSettings):
    """A job's `training`: its study's settings and what the job records beyond what its runs'
    summaries need (the plan sets them from the claims' reads; plan._recording)."""

    layer_stats: bool = setting(True, "whether per-layer statistics are taken at all")
    layer_epochs: tuple[int, ...] = setting((), "epochs at which a claim reads the per-layer statistics")
    curves: bool = setting(True, "every split at every epoch, where a claim draws the course of training; "
                                 "otherwise only at the epochs a run's summary reads")

    @classmethod
    def of(cls, settings: TrainingSettings, **recording: Any) -> JobTraining:
        """A job's training: `settings` (less where they run: `device`), then what it records
        (`recording`'s stats_every is the one the job takes: the plan's, where a claim reads
        every epoch)."""
        values = {name: getattr(settings, name) for name in TrainingSettings.model_fields}
        return cls.model_validate(values | recording)


DEFAULTS = TrainingSettings()


def config_schemas() -> tuple[dict, dict]:
    """The config schema of config.yaml's `training:` (its defaults filled in by the validator)
    and of a sweep's `training:`, which changes only what it gives (no defaults) and runs where
    the study runs (no device)."""
    block, _ = schema_fragment(TrainingConfig, "training")
    sweep, _ = schema_fragment(TrainingSettings, "training")
    sweep["properties"] = {name: {k: v for k, v in prop.items() if k != "default"}
                           for name, prop in sweep["properties"].items()}
    return block, sweep
