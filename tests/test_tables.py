"""dltips.tables: each table's columns and types declared once, held to README: Tables; read
back with their types; written only with the declared columns."""

import itertools
import re

import numpy as np
import pandas as pd
import pytest

from dltips import tables
from dltips.regularizers import Regularization

from conftest import ROOT


def _readme_tables() -> str:
    text = (ROOT / "README.md").read_text()
    return text[text.index("## Tables"):text.index("## Performance")]


def _paragraph(section: str, name: str) -> str:
    """The README's text from the table's file name to the end of its paragraph (of its table, for runs)."""
    match = re.search(rf"`{name}\.csv` —[^\n]*:\n\n(\|[^\n]*\n)+|`{name}\.csv` —.*?(?=\n\n|\Z)", section, flags=re.S)
    assert match, f"README: Tables has no paragraph for {name}.csv"
    return match.group(0)


def _expand(cell: str) -> list[str]:
    """`final_{train,val,test}_{loss,accuracy}` -> its six names."""
    parts = re.split(r"\{([^}]*)\}", cell)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def test_readme_runs_table_names_exactly_the_declared_columns():
    paragraph = _paragraph(_readme_tables(), "runs")
    rows = re.findall(r"^\| ([^|]+) \|", paragraph, flags=re.M)
    named = {name for row in rows[1:] for cell in row.split(", ") for name in _expand(cell.strip())}
    assert rows[0].strip() == "column" and named == set(tables.RUNS.names)


@pytest.mark.parametrize("name", [n for n in tables.TABLES if n != "runs"])
def test_readme_names_every_declared_column_of_each_table(name):
    paragraph = _paragraph(_readme_tables(), name)
    missing = [c for c in tables.TABLES[name].names if not re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", paragraph)]
    assert not missing, f"README: Tables, {name}.csv does not name {missing}"


def test_regularization_settings_are_runs_columns_with_their_types():
    for field in ("l1", "l1_prox", "l2", "dropout_input", "dropout_hidden", "patience"):
        assert hasattr(Regularization(), field) and field in tables.RUNS.types
    assert tables.RUNS.types["l1_prox"] is bool and tables.RUNS.types["patience"] is int


def test_read_table_restores_bool_and_int_columns(tmp_path):
    path = tmp_path / "tuning.csv"
    row = {"job": "j", "study": "grid", "dataset": "d", "activation": "relu", "optimizer": "sgd", "depth": 2,
           "width": 8, "arm": "j/none/default", "condition": "none/default", "round": 0, "lr": 0.1, "seed": 1000, "best_val_accuracy": 0.5,
           "diverged": False, "epochs_trained": 3, "fate": "kept", "score": 0.5, "pick_score": 0.5, "seed_sd": None,
           "tie_noise": 0.02, "tied_with_pick": False, "chosen": True, "train_loss": 1.2, "train_accuracy": 0.6,
           "status": "interior"}
    tables.write_table("tuning", path, pd.DataFrame([row, {**row, "chosen": None, "epochs_trained": None}]))
    raw = pd.read_csv(path)
    assert raw.chosen.dtype == object and raw.epochs_trained.dtype == float  # what CSV alone gives back
    typed = tables.read_table(path)  # the name is the file's stem
    assert typed.diverged.dtype == bool and typed.depth.dtype == "int64" and typed.seed.dtype == "int64"
    assert typed.chosen.dtype == "boolean" and typed.chosen.isna().tolist() == [False, True]
    assert typed.epochs_trained.dtype == float and np.isnan(typed.epochs_trained[1])  # int with a gap: float
    assert not typed.diverged.any() and typed.chosen[0]  # "False" read as False, never as a true string


def test_an_empty_table_reads_back_with_its_types(tmp_path):
    path = tmp_path / "ensemble.csv"
    tables.write_table("ensemble", path, tables.empty("ensemble"))
    typed = tables.read_table(path)
    assert len(typed) == 0 and typed.k.dtype == "int64" and typed.test_accuracy.dtype == float


def test_write_table_refuses_other_columns_and_read_table_unknown_ones(tmp_path):
    frame = tables.empty("slopes")
    with pytest.raises(ValueError, match=r"missing: \['slope'\], undeclared: \['value'\]"):
        tables.write_table("slopes", tmp_path / "slopes.csv", frame.rename(columns={"slope": "value"}))
    with pytest.raises(ValueError, match="order differs"):
        tables.write_table("slopes", tmp_path / "slopes.csv", frame[["layer", "run_id", "unit", "slope"]])
    (tmp_path / "slopes.csv").write_text("run_id,layer,unit,slope,extra\n")
    with pytest.raises(ValueError, match=r"undeclared column\(s\) \['extra'\]"):
        tables.read_table(tmp_path / "slopes.csv")
    with pytest.raises(KeyError, match="unknown table 'slope'; declared: runs, epochs"):
        tables.read_table(tmp_path / "slope.csv")
