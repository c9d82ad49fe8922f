"""Margins from a measurement's resolution, on the dataset being judged.

A smallest effect of interest fixed from the test set's resolution (a binomial SE of an
accuracy, the SE of a mean loss) shrinks as 1/sqrt(N) with the N examples it is measured on.
Each such margin is stated once, in its claim's Settings, at REFERENCE_SIZE examples, and read
at the judged dataset's own size: scikit-learn's digits has 360 test examples, so a margin
stated for MNIST-1D's 1,000 is sqrt(1000/360) = 1.67x wider there; on MNIST-1D it is the
number as stated. The sizes come from the study's table `datasets` (dltips.dataset_sizes),
which claims.conditions cuts to the judged dataset like every other table.
"""

import math

import pandas as pd

# MNIST-1D's test set, the study's headline dataset: every margin stated at it keeps its number there
REFERENCE_SIZE = 1000
SIZES = "sizes"  # the evidence table that carries the judged dataset's row of `datasets`


def sizes_of(datasets: pd.DataFrame) -> pd.Series:
    """The judged dataset's row of the `datasets` table (cut to it by claims.conditions)."""
    if len(datasets) != 1:
        names = ", ".join(map(str, datasets["dataset"])) if "dataset" in datasets else ""
        raise ValueError(f"table datasets: a claim is judged on one dataset's row, got {len(datasets)} "
                         f"({names or 'none'}); the study's results/tables/datasets.csv lacks the judged dataset "
                         f"or the tables were not cut to one dataset")
    return datasets.iloc[0]


def judged_test_size(datasets: pd.DataFrame) -> int:
    """Test examples of the judged dataset."""
    return int(sizes_of(datasets)["test"])


def judged_train_evaluated(datasets: pd.DataFrame) -> int:
    """Training examples a run evaluates on the judged dataset (its train accuracy's N)."""
    return int(sizes_of(datasets)["train_evaluated"])


def at_size(margin: float, n: int, reference: int = REFERENCE_SIZE) -> float:
    """`margin`, stated at `reference` examples, at `n`: an SE scales as 1/sqrt(N)."""
    if n < 1:
        raise ValueError(f"a margin is read at n >= 1 examples, got n = {n}")
    return margin * math.sqrt(reference / n)


def at_judged_test_size(margin: float, datasets: pd.DataFrame) -> float:
    """`margin`, stated at REFERENCE_SIZE test examples, at the judged dataset's test size."""
    return at_size(margin, judged_test_size(datasets))


def scaled_words(margin: float, stated: float, n: int, what: str = "test examples") -> str:
    """How a margin was read: 'N = 360 test examples: 0.015 x sqrt(1000/360)' where it was
    scaled, 'N = 1000 test examples' where it is the number as stated."""
    if math.isclose(margin, stated):
        return f"N = {n} {what}"
    return f"N = {n} {what}: {stated:g} x sqrt({REFERENCE_SIZE}/{n})"
