"""dltips.dataset_sizes (tables/datasets.csv) and claims.resolution: margins fixed from a test
set's resolution, read at the judged dataset's own size."""

import json
import math

import pandas as pd
import pytest

from claim_tables import dataset_sizes
from dltips.claims.conditions import restrict
from dltips.claims.resolution import (REFERENCE_SIZE, at_judged_test_size, at_size, judged_test_size, scaled_words,
                                      sizes_of)
from dltips.dataset_sizes import dataset_table, write_dataset_table
from dltips.plan import train_eval_sizes
from dltips.tables import read_table


def checksum(tmp_path, name, train, val, test):
    """A checksum file as dltips.data.save writes it (its `shapes`)."""
    path = tmp_path / f"{name}.json"
    shapes = {f"{a}_{s}": [n, 8] if a == "x" else [n] for s, n in (("train", train), ("val", val), ("test", test))
              for a in ("x", "y")}
    path.write_text(json.dumps({"dataset": name, "sha256": "0", "shapes": shapes}))
    return path


def test_the_table_holds_each_split_and_the_training_samples_a_run_evaluates(tmp_path):
    paths = {"digits": checksum(tmp_path, "digits", 1150, 287, 360),
             "mnist1d": checksum(tmp_path, "mnist1d", 3200, 800, 1000)}
    out = tmp_path / "datasets.csv"
    write_dataset_table(paths, {"digits": [None], "mnist1d": [None]}, out)
    table = read_table(out)
    assert table.to_dict("records") == [
        {"dataset": "digits", "train": 1150, "val": 287, "test": 360, "train_evaluated": 360},  # null: the test size
        {"dataset": "mnist1d", "train": 3200, "val": 800, "test": 1000, "train_evaluated": 1000}]
    # a size given is taken, never more than the training split holds; jobs that differ: the fewest
    evaluated = dataset_table(paths, {"digits": [2000], "mnist1d": [None, 500]}).set_index("dataset").train_evaluated
    assert evaluated.to_dict() == {"digits": 1150, "mnist1d": 500}


def test_the_table_says_what_it_lacks(tmp_path):
    path = tmp_path / "odd.json"
    path.write_text(json.dumps({"dataset": "odd", "shapes": {"y_train": [10], "y_test": [5]}}))
    with pytest.raises(ValueError, match=r"'odd'.*\['y_val'\]"):
        dataset_table({"odd": path}, {"odd": [None]})
    with pytest.raises(ValueError, match="'digits': no job trains it"):
        dataset_table({"digits": checksum(tmp_path, "digits", 1150, 287, 360)}, {})


def test_train_eval_sizes_are_read_per_dataset_from_the_jobs():
    def job(dataset, size):
        return type("Job", (), {"dataset": dataset, "training": type("T", (), {"train_eval_size": size})})
    jobs = {"a": job("mnist1d", None), "b": job("mnist1d", 500), "c": job("digits", None), "d": job("mnist1d", None)}
    assert train_eval_sizes(jobs) == {"digits": [None], "mnist1d": [None, 500]}


def test_restrict_cuts_the_table_to_the_judged_dataset():
    tables = {"runs": pd.DataFrame({"run_id": ["a", "b"], "dataset": ["mnist1d", "digits"]}),
              "datasets": pd.concat([dataset_sizes(), dataset_sizes(360, dataset="digits")], ignore_index=True)}
    assert judged_test_size(restrict(tables, "digits")["datasets"]) == 360
    assert judged_test_size(restrict(tables, "mnist1d")["datasets"]) == 1000
    with pytest.raises(ValueError, match=r"one dataset's row, got 2 \(mnist1d, digits\)"):
        sizes_of(tables["datasets"])  # never a margin of a pool of datasets
    with pytest.raises(ValueError, match=r"got 0 \(none\)"):
        sizes_of(restrict(tables, "mnist")["datasets"])


def test_a_margin_stated_at_the_reference_size_scales_as_an_se():
    assert REFERENCE_SIZE == 1000  # MNIST-1D's test set: its margins keep their numbers
    assert at_size(0.015, 1000) == 0.015
    assert at_size(0.015, 360) == pytest.approx(0.015 * math.sqrt(1000 / 360))  # 0.025, 1.67x wider
    assert at_size(0.04, 4000) == pytest.approx(0.02)  # a larger test set resolves finer
    assert at_judged_test_size(0.04, dataset_sizes(360, dataset="digits")) == pytest.approx(0.0667, abs=1e-4)
    # a binomial SE at p = 0.7 on 360 examples, computed directly, is the scaled one
    assert at_size(math.sqrt(0.21 / 1000), 360) == pytest.approx(math.sqrt(0.21 / 360))
    with pytest.raises(ValueError, match="n >= 1"):
        at_size(0.015, 0)


def test_the_words_name_the_margin_read():
    assert scaled_words(0.015, 0.015, 1000) == "N = 1000 test examples"
    assert scaled_words(at_size(0.015, 360), 0.015, 360) == "N = 360 test examples: 0.015 x sqrt(1000/360)"
