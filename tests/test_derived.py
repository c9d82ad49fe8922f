"""dltips.derived: a table computed from trained models reads the studies config `derived_tables` names."""

import copy

import pytest

from dltips import derived, tables
from dltips.config import ConfigError, validate
from dltips.plan import plan

from conftest import SCHEMA


def _smoke(default_config, change=lambda config: None):
    config = copy.deepcopy({**default_config, "preset": "smoke"})
    change(config)
    config = validate(config, SCHEMA)
    return config, plan(config)


def test_without_the_key_each_table_reads_its_studies_of_today(default_config):
    config, jobs = _smoke(default_config, lambda c: c.pop("derived_tables"))
    assert config["derived_tables"] == {"dropout_eval": ["dropout"], "ensemble": ["ensemble"],
                                        "maxout_units": ["grid"]}
    derived.check_derived_tables(config, jobs)
    assert derived.jobs_for("dropout_eval", jobs, config) == ["dropout-mnist1d-relu-adam-d2-w100"]
    # the smoke grid trains no Maxout: its table reads no job, and is written empty
    assert derived.jobs_for("maxout_units", jobs, config) == []


def test_a_renamed_sweep_fills_its_table_when_the_config_names_it(default_config):
    def rename(config):
        config["sweeps"]["mc_dropout"] = config["sweeps"].pop("dropout")
        config["presets"]["smoke"]["sweeps"]["mc_dropout"] = config["presets"]["smoke"]["sweeps"].pop("dropout")
        config["derived_tables"]["dropout_eval"] = ["mc_dropout"]

    config, jobs = _smoke(default_config, rename)
    derived.check_derived_tables(config, jobs)
    assert derived.jobs_for("dropout_eval", jobs, config) == ["mc_dropout-mnist1d-relu-adam-d2-w100"]


def test_renaming_a_sweep_alone_is_refused_naming_the_key_the_value_and_the_studies(default_config):
    def rename(config):
        config["sweeps"]["mc_dropout"] = config["sweeps"].pop("dropout")
        config["presets"]["smoke"]["sweeps"]["mc_dropout"] = config["presets"]["smoke"]["sweeps"].pop("dropout")

    config, jobs = _smoke(default_config, rename)
    with pytest.raises(ConfigError) as error:
        derived.check_derived_tables(config, jobs)
    message = str(error.value)
    assert "config key 'derived_tables.dropout_eval': 'dropout' is not a study" in message
    assert "allowed values: grid, depth" in message and "mc_dropout" in message


def test_a_table_that_is_not_derived_is_refused(default_config):
    config, jobs = _smoke(default_config, lambda c: c["derived_tables"].update(dropout=["dropout"]))
    with pytest.raises(ConfigError, match="'dropout' is not a derived table; allowed keys: dropout_eval, ensemble, "
                                          "maxout_units"):
        derived.check_derived_tables(config, jobs)


def test_a_table_no_job_feeds_is_written_empty_with_its_columns(tmp_path):
    out = tmp_path / "maxout_units.csv"
    derived.build("maxout_units", [], {}, out)
    table = tables.read_table(out)
    assert len(table) == 0 and list(table.columns) == list(tables.TABLES["maxout_units"].names)


def test_an_ensemble_of_a_study_whose_jobs_train_several_rate_conditions_is_refused(default_config):
    # the grid's jobs train every regularizer: an ensemble would pool unlike nets into one row
    config, jobs = _smoke(default_config, lambda c: c["derived_tables"].update(ensemble=["grid"]))
    with pytest.raises(ConfigError) as error:
        derived.check_derived_tables(config, jobs)
    message = str(error.value)
    assert "config key 'derived_tables.ensemble': study 'grid' trains job grid-" in message
    assert "rate conditions (none/default, " in message and "allowed: studies whose jobs train one" in message
