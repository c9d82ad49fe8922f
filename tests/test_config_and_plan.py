import copy

import pytest

from dltips.config import ConfigError, validate
from dltips.plan import plan

from conftest import SCHEMA


def valid(config):
    return validate(config, SCHEMA)


def test_default_config_is_valid_and_defaults_are_filled(default_config):
    cfg = copy.deepcopy(default_config)
    cfg["training"] = {"epochs": 7}
    out = valid(cfg)
    assert out["training"]["probe_size"] == 512 and out["report"]["chance_margin"] == 0.05
    assert out["training"]["epochs"] == 7 and out["training"]["device"] == "auto"
    assert cfg["training"] == {"epochs": 7}  # the caller's dict is left alone


def test_the_default_grid_is_2_datasets_x_7_x_5_x_5_x_5_seeds(default_config):
    jobs = plan(valid(default_config))
    grid = [j for j in jobs.values() if j.study == "grid"]
    assert len(grid) == 70 and sum(len(j.runs) for j in grid) == 1750
    cells = {(j.dataset, j.activation, j.optimizer, r.regularizer, r.seed) for j in grid
             for r in j.runs}
    assert len(cells) == 1750 and {c[0] for c in cells} == {"mnist1d", "digits"}


def test_adding_an_activation_adds_jobs_and_leaves_the_others_unchanged(default_config):
    before = plan(valid(default_config))
    bigger = copy.deepcopy(default_config)
    bigger["grid"]["datasets"] = ["mnist1d"]
    bigger["grid"]["activations"] = ["tanh", "relu"]
    bigger["grid"]["optimizers"] = ["sgd", "adam", "rmsprop"]
    bigger["sweeps"] = {}
    small = copy.deepcopy(bigger)
    small["grid"]["activations"] = ["relu"]
    small["grid"]["optimizers"] = ["sgd", "adam"]
    a, b = plan(valid(small)), plan(valid(bigger))
    grid_a = {k: v for k, v in a.items() if v.study == "grid"}
    grid_b = {k: v for k, v in b.items() if v.study == "grid"}
    assert set(grid_a) < set(grid_b) and len(grid_b) == 6
    for name, job in grid_a.items():
        assert grid_b[name] == job  # identical spec: Snakemake sees nothing to redo
    assert before  # the full plan exists too


def test_preset_smoke_is_small(default_config):
    cfg = valid({**default_config, "preset": "smoke"})
    jobs = plan(cfg)
    assert sum(len(j.runs) for j in jobs.values()) < 80
    assert cfg["training"]["epochs"] <= 5


def test_a_misspelt_name_is_refused_under_a_preset_that_overrides_it(default_config):
    cfg = copy.deepcopy(default_config)
    cfg["grid"]["activations"].append("rleu")  # smoke lists its own activations: it would never train this
    with pytest.raises(ConfigError, match=r"under preset 'default': config key 'grid.activations\[7\]': 'rleu' is "
                                          r"not a known activation"):
        valid({**cfg, "preset": "smoke"})
    cfg = copy.deepcopy(default_config)
    cfg["presets"]["smoke"]["grid"]["optimizers"] = ["sgd", "adma"]  # and a preset's own, under the default
    with pytest.raises(ConfigError, match=r"under preset 'smoke': config key 'grid.optimizers\[1\]': 'adma'"):
        valid(cfg)


def test_a_preset_names_what_it_leaves_out_of_each_grid_axis(default_config):
    from dltips.config import narrowed

    cfg = copy.deepcopy(default_config)
    cfg["grid"]["activations"].append("swish")
    said = narrowed({**cfg, "preset": "smoke"})
    assert ("preset 'smoke' trains grid.activations: sigmoid, relu; it leaves out tanh, leaky_relu, prelu, elu, "
            "maxout, swish (give them in presets.smoke.grid.activations to train them there)") in said
    assert not any("seeds" in line for line in said) and narrowed(cfg) == []


def test_swept_regularizer_strengths_expand_into_runs(default_config):
    jobs = plan(valid(default_config))
    sparsity = [j for j in jobs.values() if j.study == "sparsity"]
    variants = {r.variant for j in sparsity for r in j.runs}
    assert variants == {"none", *(f"{reg}-strength{x:g}" for reg in ("l1", "l1_prox") for x in (1e-4, 3e-4, 1e-3)),
                        *(f"l2-strength{x:g}" for x in (1e-3, 3e-3, 1e-2))}


def layer_recording(jobs, study):
    (spec,) = {(j.training.layer_stats, tuple(j.training.layer_epochs), j.training.stats_every)
               for j in jobs.values() if j.study == study}
    return spec


def test_layer_statistics_and_curves_are_recorded_where_a_claim_reads_them_and_nowhere_else(default_config):
    jobs = plan(valid(default_config))
    # the depth claims read epochs 0 and 10 of the depth sweep, and one draws its whole course
    assert layer_recording(jobs, "depth") == (True, (0, 10), 1)
    # vanishing-gradient and sigmoid-attenuates read the grid at initialization (and a run's last epoch)
    assert layer_recording(jobs, "grid") == (True, (0,), None)
    for study in ("sparsity", "diagnosis", "dropout", "variants", "ensemble"):
        assert layer_recording(jobs, study)[0] is False, study
    # early-stopping draws the grid's course of training: only the grid evaluates every split every epoch
    assert {j.study for j in jobs.values() if j.training.curves} == {"grid"}
    # the schedule follows the claims' settings: another epoch, another study
    moved = copy.deepcopy(default_config)
    moved["claims"]["early-layers-learn-slowly"]["epoch"] = 7
    moved["claims"]["vanishing-gradient"]["grid_study"] = "variants"
    jobs = plan(valid(moved))
    assert layer_recording(jobs, "depth") == (True, (0, 7), 1)
    assert layer_recording(jobs, "variants") == (True, (0,), None)
    # stats_every asks for more everywhere
    every = copy.deepcopy(default_config)
    every["training"]["stats_every"] = 5
    assert layer_recording(plan(valid(every)), "dropout") == (True, (), 5)


# (description, change to the default config, words the message must contain)
BAD = [
    ("unknown activation", lambda c: c["grid"].update(activations=["relu", "rleu"]),
     ["grid.activations[1]", "'rleu'", "sigmoid", "maxout"]),
    ("unknown optimizer", lambda c: c["grid"].update(optimizers=["adamw"]), ["grid.optimizers[0]", "'adamw'", "rmsprop"]),
    ("unknown regularizer", lambda c: c["grid"].update(regularizers=["l3"]), ["grid.regularizers[0]", "'l3'", "dropout"]),
    ("unknown dataset", lambda c: c["grid"].update(datasets=["cifar"]), ["grid.datasets[0]", "'cifar'", "mnist1d"]),
    ("unknown init", lambda c: c["model"].update(init="orthogonal"), ["model.init", "'orthogonal'", "xavier"]),
    ("zero learning rate", lambda c: c["learning_rate"].update(grid=[0.0, 0.1]), ["learning_rate.grid[0]", "0.0", "> 0"]),
    ("negative fixed rate", lambda c: c["learning_rate"].update(fixed={"adam": -1}), ["learning_rate.fixed.adam", "-1", "> 0"]),
    ("dropout rate 1", lambda c: c["regularizer_params"]["dropout"].update(hidden=1.0),
     ["regularizer_params.dropout.hidden", "1.0", "< 1"]),
    ("negative dropout", lambda c: c["regularizer_params"]["dropout"].update(input=-0.1),
     ["regularizer_params.dropout.input", "-0.1", ">= 0"]),
    ("depth 0", lambda c: c["model"].update(depth=0), ["model.depth", "0", ">= 1"]),
    ("width 0", lambda c: c["model"].update(width=0), ["model.width", "0", ">= 1"]),
    ("empty activations", lambda c: c["grid"].update(activations=[]), ["grid.activations", "empty"]),
    ("zero seeds", lambda c: c["grid"].update(seeds=0), ["grid.seeds", "0"]),
    ("empty seed list", lambda c: c["grid"].update(seeds=[]), ["grid.seeds", "[]"]),
    ("zero epochs", lambda c: c["training"].update(epochs=0), ["training.epochs", ">= 1"]),
    ("unknown key", lambda c: c["training"].update(epoch=3), ["training", "'epoch'", "epochs"]),
    ("unknown device", lambda c: c["training"].update(device="tpu"), ["training.device", "'tpu'", "cuda"]),
    ("maxout with one piece", lambda c: c["model"].update(maxout_pieces=1), ["model.maxout_pieces", ">= 2"]),
    ("unknown optimizer params", lambda c: c["optimizer_params"].update(adamw={}), ["optimizer_params", "'adamw'", "adam"]),
    ("bad lr source", lambda c: c["learning_rate"].update(source="guess"), ["learning_rate.source", "'guess'", "tune"]),
    ("negative tie rule", lambda c: c["learning_rate"].update(tie_within=-1), ["learning_rate.tie_within", "-1", ">= 0"]),
    ("patience 0", lambda c: c["regularizer_params"]["early_stopping"].update(patience=0),
     ["regularizer_params.early_stopping.patience", ">= 1"]),
    ("validation fraction 1", lambda c: c["dataset_params"].update(validation_fraction=1.0),
     ["dataset_params.validation_fraction", "< 1"]),
    ("string for a number", lambda c: c["training"].update(batch_size="big"), ["training.batch_size", "'big'", "integer"]),
    ("divergence factor 1", lambda c: c["training"].update(divergence_factor=1),
     ["training.divergence_factor", "1", "> 1"]),  # a loss that merely stays where it started would diverge
    ("unknown preset", lambda c: c.update(preset="tiny"), ["preset", "'tiny'", "smoke"]),
    # a preset that did not say what its numbers are would pass its figures off as the study's
    ("preset without a mark", lambda c: c["presets"]["quick"].pop("mark"),
     ["presets.quick", "'mark' is a required property"]),
    ("preset with an empty mark", lambda c: c["presets"]["smoke"].update(mark=""), ["presets.smoke.mark", "''"]),
    ("a mark on the default study", lambda c: c.update(mark="mine"), ["'mark'", "'mine'", "presets.<name>.mark"]),
    ("sweep activation", lambda c: c["sweeps"]["depth"].update(activations=["swish"]),
     ["sweeps.depth.activations[0]", "'swish'", "relu"]),
    # keys the plan and the jobs read: missing ones are named before anything runs
    ("no tuning grid", lambda c: c["learning_rate"].pop("grid"), ["learning_rate", "'grid'", "source 'tune'"]),
    ("no model init", lambda c: c["model"].pop("init"), ["model", "'init' is a required property"]),
    ("no l1 strength", lambda c: c["regularizer_params"]["l1"].pop("strength"),
     ["regularizer_params.l1", "'strength' is a required property"]),
    ("no l1 settings", lambda c: c["regularizer_params"].pop("l1"), ["regularizer_params.l1", "'strength'"]),
    ("no split seed", lambda c: c["dataset_params"].pop("split_seed"),
     ["dataset_params", "'split_seed' is a required property"]),
    ("idx mnist without a path", lambda c: c["dataset_params"]["mnist"].update(source="idx", path=None),
     ["dataset_params.mnist.path", "None", "string"]),
    ("misspelt dataset params", lambda c: c["dataset_params"].update(digts={}),
     ["dataset_params", "'digts'", "digits", "validation_fraction"]),
    # sweeps' regularizer settings: a value or a list of values, each checked
    ("swept dropout rate 1.5", lambda c: c["sweeps"]["dropout"]["regularizer_params"]["dropout"].update(hidden=[0.1, 1.5]),
     ["sweeps.dropout.regularizer_params.dropout.hidden[1]", "1.5", "< 1"]),
    ("swept negative strength", lambda c: c["sweeps"]["sparsity"]["regularizer_params"]["l1"].update(strength=-1e-3),
     ["sweeps.sparsity.regularizer_params.l1.strength", "-0.001", "> 0"]),
    ("swept value twice", lambda c: c["sweeps"]["sparsity"]["regularizer_params"]["l1"].update(strength=[1e-3, 1e-3]),
     ["sweeps.sparsity.regularizer_params.l1.strength", "[0.001, 0.001]", "non-unique"]),
    ("swept values that print alike", lambda c: c["sweeps"]["sparsity"]["regularizer_params"]["l1"].update(
        strength=[1e-4, 1.0000001e-4]), ["sweeps.sparsity.regularizer_params.l1", "'l1-strength0.0001'", "distinct"]),
    ("swept strength a word", lambda c: c["sweeps"]["sparsity"]["regularizer_params"]["l1"].update(strength="big"),
     ["sweeps.sparsity.regularizer_params.l1.strength", "'big'", "number or array"]),
    ("swept unknown regularizer", lambda c: c["sweeps"]["sparsity"]["regularizer_params"].update(l3={"strength": 1}),
     ["sweeps.sparsity.regularizer_params", "'l3'", "l1, l1_prox, l2"]),
    ("sweep tuning without a grid", lambda c: (c["learning_rate"].update(source="fixed", fixed={o: 0.1 for o in
                                               c["grid"]["optimizers"]}), c["learning_rate"].pop("grid"),
                                               c["sweeps"]["depth"].update(learning_rate={"source": "tune"})),
     ["sweeps.depth.learning_rate", "'grid'"]),
    # claims' verdict settings: refused before anything trains, not as a KeyError in the claim job
    ("misspelt claim metric", lambda c: c["claims"]["relu-variants"].update(metric="test_acc"),
     ["claims.relu-variants.metric", "'test_acc'", "final_test_accuracy", "best_val_accuracy"]),
    ("claim threshold a word", lambda c: c["claims"]["relu-variants"].update(min_gain="big"),
     ["claims.relu-variants.min_gain", "'big'", "number"]),
    ("negative claim epoch", lambda c: c["claims"]["vanishing-gradient"].update(epoch=-1),
     ["claims.vanishing-gradient.epoch", "-1", ">= 0"]),
    ("claim ratio not below 0", lambda c: c["claims"]["early-layers-learn-slowly"].update(max_log10_ratio=0.5),
     ["claims.early-layers-learn-slowly.max_log10_ratio", "0.5", "<= 0"]),
    ("unknown claim activation", lambda c: c["claims"]["relu-variants"].update(variants=["leaky_relu", "selu"]),
     ["claims.relu-variants.variants[1]", "'selu'", "leaky_relu", "prelu"]),
    ("unknown claim baseline", lambda c: c["claims"]["sigmoid-attenuates"].update(contrast="rleu"),
     ["claims.sigmoid-attenuates.contrast", "'rleu'", "relu"]),
    ("unknown claim key", lambda c: c["claims"]["early-stopping"].update(min_test_gian=0.0),
     ["claims.early-stopping", "'min_test_gian'", "min_test_gain", "example"]),
    ("maxout construction with one piece", lambda c: c["claims"]["maxout-learns-activation"].update(construction={"pieces": 1}),
     ["claims.maxout-learns-activation.construction.pieces", "1", ">= 2"]),
    ("zero claim tolerance", lambda c: c["claims"]["dropout-train-test"].update(exact_check={"tolerance": 0}),
     ["claims.dropout-train-test.exact_check.tolerance", "0", "> 0"]),
    ("unknown sparsity statistic", lambda c: c["claims"]["l1-vs-l2-sparsity"].update(large="q95"),
     ["claims.l1-vs-l2-sparsity.large", "'q95'", "q90, q99, abs_max"]),
    ("near-zero threshold not in weights.csv", lambda c: c["claims"]["l1-vs-l2-sparsity"].update(near_zero=0.05),
     ["claims.l1-vs-l2-sparsity.near_zero", "0.05", "0.01, 0.001, 0.0001"]),
    ("unknown sparsity update rule", lambda c: c["claims"]["l1-vs-l2-sparsity"].update(headline={"update": "exact"}),
     ["claims.l1-vs-l2-sparsity.headline.update", "'exact'", "subgradient, prox"]),
    ("unknown headline depth", lambda c: c["claims"]["relu-fixes-depth"].update(headline={"depth": "deep"}),
     ["claims.relu-fixes-depth.headline.depth", "'deep'"]),
    ("dropout probability 1 in a check", lambda c: c["claims"]["dropout-is-ensemble"].update(exact_check={"p_hidden": 1.0}),
     ["claims.dropout-is-ensemble.exact_check.p_hidden", "1.0", "> 0 and < 1"]),
    ("a headline naming two conditions", lambda c: c["claims"]["early-stopping"].update(
        headline={"optimizer": "adam", "activation": "relu"}),  # a rule across fields: the settings class checks it
     ["claims.early-stopping.headline", "one condition", "'relu'"]),
    ("unknown example optimizer", lambda c: c["claims"]["early-stopping"].update(example={"optimizer": "adamw"}),
     ["claims.early-stopping.example.optimizer", "'adamw'", "rmsprop"]),
    ("penalty check lrs empty", lambda c: c["claims"]["l2-shrinks"].update(lrs=[]),
     ["claims.l2-shrinks.lrs", "empty"]),
    ("claim settings not a mapping", lambda c: c["claims"].update({"my-claim": 3}),
     ["claims.my-claim", "3", "object"]),
]


@pytest.mark.parametrize("name,change,words", BAD, ids=[b[0] for b in BAD])
def test_bad_values_are_refused_with_key_value_and_allowed(default_config, name, change, words):
    cfg = copy.deepcopy(default_config)
    change(cfg)
    with pytest.raises(ConfigError) as err:
        plan(valid(cfg))
    for word in words:
        assert word in str(err.value), f"{word!r} missing from: {err.value}"


def test_a_claim_setting_left_out_takes_its_default(default_config):
    """A claim's settings are defaulted by its typed class, nested blocks too: a config block
    names only what the study changes."""
    from dltips.claims import settings_of

    cfg = copy.deepcopy(default_config)
    cfg["claims"]["early-layers-learn-slowly"] = {"floor": {"chance": 0.2}}
    cfg["claims"]["relu-variants"] = {"headline": {"depth": 7}}
    claims = valid(cfg)["claims"]
    assert claims["early-layers-learn-slowly"]["floor"] == {"chance": 0.2, "samples": None, "z": 1.96}
    assert claims["relu-variants"]["headline"] == {"depth": 7, "init": "he", "optimizer": "sgd"}
    assert claims["relu-variants"]["min_gain"] == 0.02
    assert settings_of("relu-fixes-depth", {}).linearity.seed == 0


def test_fixed_rate_missing_for_an_optimizer(default_config):
    cfg = copy.deepcopy(default_config)
    cfg["learning_rate"].update(source="fixed", fixed={"sgd": 0.1})
    with pytest.raises(ConfigError, match="no rate for optimizer 'momentum'"):
        plan(valid(cfg))
    cfg = copy.deepcopy(default_config)
    cfg["sweeps"]["depth"]["learning_rate"] = {"source": "fixed", "fixed": {"adam": 0.1}}
    with pytest.raises(ConfigError, match=r"config key 'sweeps\.depth\.learning_rate\.fixed': no rate for optimizer 'sgd'"):
        plan(valid(cfg))


def test_a_registered_dataset_and_regularizer_take_settings_under_their_names(default_config):
    from dltips.data import DATASETS
    from dltips.regularizers import REGULARIZERS, Regularization

    DATASETS.register("toy_extension", lambda p: {})
    REGULARIZERS.register("elastic", lambda p: Regularization(l1=p["l1"], l2=p["l2"]))
    try:
        cfg = copy.deepcopy(default_config)
        cfg["grid"]["regularizers"] = ["none", "elastic"]
        cfg["dataset_params"]["toy_extension"] = {"size": 10}
        cfg["regularizer_params"]["elastic"] = {"l1": 1e-4, "l2": 1e-3}
        runs = [r for job in plan(valid(cfg)).values() for r in job.runs if r.regularizer == "elastic"]
        assert runs and all(r.reg_params == {"l1": 1e-4, "l2": 1e-3} for r in runs)
        del cfg["regularizer_params"]["elastic"]["l2"]  # a setting it reads: missing, stops the plan
        with pytest.raises(ConfigError, match="regularizer_params.elastic': regularizer 'elastic' needs 'l2'"):
            plan(valid(cfg))
    finally:
        DATASETS.unregister("toy_extension")
        REGULARIZERS.unregister("elastic")
