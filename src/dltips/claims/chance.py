"""The chance floor: when a net cannot be told from one that learned nothing, so a comparison
of it says nothing about what helps a net train.

A net is "at chance" when its seeds' mean final train accuracy is within z binomial standard
errors of guessing on the samples evaluated: chance + z·sqrt(chance·(1 − chance)/samples).
Below that, the accuracy cannot be told from a net that learned nothing, on those samples.
The samples are the judged dataset's own (table datasets, `train_evaluated`: MNIST-1D's 1,000,
digits' 360 where training.train_eval_size is null), read by `Floor.on`.
"""

import math
from typing import Self

import numpy as np
import pandas as pd

from .. import verdicts
from ..verdicts import INCONCLUSIVE, Verdict
from .compose import with_note
from .resolution import judged_train_evaluated
from .select import per_seed
from .settings import ClaimSettings, setting

FLOOR_WORDS = "floor: both at chance"


class Floor(ClaimSettings):
    """When a net is at chance: its seeds' mean accuracy <= chance + z*sqrt(chance(1-chance)/samples)."""

    chance: float = setting(0.1, "accuracy of guessing: MNIST-1D's 10 classes", gt=0, lt=1)
    samples: int | None = setting(None, "samples the accuracy is measured on; null: the judged dataset's training "
                                        "samples evaluated (table datasets' train_evaluated: "
                                        "training.train_eval_size, null = the test set's size)", ge=1)
    z: float = setting(1.96, "within the 95% binomial noise of guessing on those samples", ge=0)

    def on(self, datasets: pd.DataFrame) -> Self:
        """This floor on the judged dataset (its row of table datasets): `samples` read there
        where the settings leave it null."""
        return self if self.samples is not None else self.replace(samples=judged_train_evaluated(datasets))


def chance_margin(floor: Floor) -> float:
    """z binomial standard errors of an accuracy at chance on `samples` evaluated samples."""
    if floor.samples is None:
        raise ValueError("floor.samples is null: the floor reads the judged dataset's evaluated training samples "
                         "from table datasets first (Floor.on)")
    return floor.z * math.sqrt(floor.chance * (1 - floor.chance) / floor.samples)


def chance_ceiling(floor: Floor) -> float:
    return floor.chance + chance_margin(floor)


def at_chance(accuracies, floor: Floor) -> bool:
    """The seeds' mean accuracy cannot be told from guessing (False where there is no value)."""
    return verdicts.at_chance(accuracies, floor.chance, chance_margin(floor))


def trained_depths(runs: pd.DataFrame, accuracy: str, floor: Floor) -> list[int]:
    """The depths at which the runs' per-seed mean `accuracy` is not at chance."""
    return [int(d) for d, g in runs.groupby("depth") if not at_chance(per_seed(g, accuracy), floor)]


def floor_note(means: dict[str, float], floor: Floor, what: str = "final train accuracy") -> str:
    """The words of a floor verdict, e.g. 'floor: both at chance (relu 0.101, sigmoid 0.099 final
    train accuracy; chance 0.1 + 0.019)'."""
    numbers = ", ".join(f"{name} {value:.3f}" for name, value in means.items())
    who = FLOOR_WORDS if len(means) > 1 else "floor: the net is at chance"
    return (f"{INCONCLUSIVE} ({who}): {numbers} {what}, within chance {floor.chance:g} + "
            f"{chance_margin(floor):.3f}; a net that does not train says nothing here")


def at_floor(v: Verdict, means: dict[str, float], floor: Floor, what: str = "final train accuracy") -> Verdict:
    """The verdict of a comparison whose every side is at chance: inconclusive, said in words."""
    numbers = ", ".join(f"{name} {value:.3f}" for name, value in means.items())
    reason = f"{'both' if len(means) > 1 else 'the net'} at chance ({numbers} {what})"
    return verdicts.floor(with_note(v, floor_note(means, floor, what), first=True), reason)


def floor_checked(v: Verdict, sides: dict[str, pd.Series], floor: Floor, what: str = "final train accuracy") -> Verdict:
    """`v` unless every side's runs are at chance; then the floor verdict."""
    if sides and all(at_chance(values, floor) for values in sides.values()):
        return at_floor(v, {name: float(np.nanmean(values)) for name, values in sides.items()}, floor, what)
    return v
