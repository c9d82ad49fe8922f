"""What the report shows at 1366 x 900: every saved figure fits the viewer whole at a size where
its text is still 9 px, a preset's figures and pages carry its mark, the summary figure names
each row's statistic and draws equivalence margins on both sides, the overview's panels and the
conditions maps read at the report's width."""

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from dltips import figures, overview, preset_mark
from dltips.claims.conditions_map import axes_of, claim_map, measure
from dltips.claims.summary import margin_of, summary_figure

VW, VH = figures.VIEWER_PX


@pytest.fixture(autouse=True)
def default_preset():
    preset_mark.set_preset(None)
    yield
    preset_mark.set_preset(None)


def shown(inches):
    """(width, height) in screen pixels of a figure of `inches` saved at fitting_dpi, in the viewer."""
    dpi = figures.fitting_dpi(inches)
    w, h = inches[0] * dpi, inches[1] * dpi
    scale = min(1.0, VW / w)
    return w * scale, h * scale


@pytest.mark.parametrize("inches", [(11.8, 6), (11.8, 11.5), (11.8, 12.1), (6, 11), (14, 5), (5, 3)])
def test_a_saved_figure_is_shown_whole_by_the_viewer(inches):
    w, h = shown(inches)
    assert w <= VW + 1e-9 and h <= VH + 1e-9


def test_a_figure_too_tall_for_its_width_is_saved_at_a_lower_resolution_and_keeps_9_pt_at_9_px():
    assert figures.fitting_dpi((11.8, 6)) == figures.DPI  # fits: the usual resolution
    tall = (11.8, 12.1)
    assert figures.fitting_dpi(tall) < figures.DPI
    assert 9 * figures.screen_px_per_point(tall) >= 9  # 12.1 in still reads 9 pt at 9 px
    assert 9 * figures.screen_px_per_point((11.8, 14)) < 9  # taller cannot: its own layout must change


def test_problems_names_text_too_small_on_screen_and_overlapping_labels():
    fig, ax = plt.subplots(figsize=(11.8, 4))
    ax.text(0.5, 0.5, "small", fontsize=6)
    ax.text(0.2, 0.2, "first label", fontsize=10)
    ax.text(0.2, 0.2, "second label", fontsize=10)
    found = figures.problems(fig)
    plt.close(fig)
    assert any("'small'" in p and "under 9" in p for p in found)
    assert any("'first label'" in p and "'second label'" in p for p in found)


def test_a_clean_figure_has_no_problems():
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot([0, 1], [0, 1], label="a line")
    ax.set(xlabel="x (unit)", ylabel="y (unit)", title="a title")
    ax.legend(loc="upper left")
    fig.tight_layout()
    assert figures.problems(fig) == []
    plt.close(fig)


SMOKE_MARK = "its numbers are not the study's results"


def saved_svg(tmp_path, preset, mark=SMOKE_MARK) -> str:
    preset_mark.set_preset(preset, mark)
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.set_title("a figure")
    figures.save(fig, tmp_path / "f.png", tmp_path / "f.svg")
    return (tmp_path / "f.svg").read_text()


def test_every_figure_of_a_preset_carries_its_mark_and_the_default_studys_none(tmp_path):
    assert "SMOKE PRESET — its numbers" in saved_svg(tmp_path, "smoke")  # Matplotlib keeps each text as a comment
    assert "PRESET" not in saved_svg(tmp_path, "default")


def test_each_preset_says_its_own_mark_and_the_config_gives_every_preset_one(default_config):
    marks = {name: preset_mark.line(name, preset["mark"]) for name, preset in default_config["presets"].items()}
    assert "not the study's results" in marks["smoke"]
    # quick's headline verdicts are the default study's: its mark says so, and that the rest is partial
    assert marks["quick"].startswith("QUICK PRESET") and "not the study's results" not in marks["quick"]
    assert "headline verdicts are the default study's" in marks["quick"] and "not the whole grid" in marks["quick"]
    assert preset_mark.line("default", "anything") == ""


def test_the_mark_sits_above_the_figure_and_covers_nothing(tmp_path):
    preset_mark.set_preset("smoke", SMOKE_MARK)
    fig, ax = plt.subplots(figsize=(6, 3))
    fig.suptitle("the claim — reproduced")
    figures.mark(fig)
    stamp = [t for t in fig.texts if "PRESET" in t.get_text()][0]
    renderer = fig.canvas.get_renderer()
    assert stamp.get_window_extent(renderer).y0 >= fig._suptitle.get_window_extent(renderer).y1 - 1
    assert figures.overlaps(fig) == []
    plt.close(fig)


def test_pages_of_a_preset_open_with_its_banner_and_the_default_studys_without():
    from dltips.claims.table import COLUMNS, claims_html

    row = {c: "x" for c in COLUMNS} | {"verdict": "reproduced", "value": 0.5, "condition": None}
    preset_mark.set_preset("smoke", SMOKE_MARK)
    page = claims_html(pd.DataFrame([row]))
    assert page.index('class="preset-mark"') < page.index("<h2>") and SMOKE_MARK in page.replace("&#x27;", "'")
    assert "SMOKE PRESET" in preset_mark.rst_banner("smoke", SMOKE_MARK)
    assert preset_mark.rst_banner("default", SMOKE_MARK) == ""
    preset_mark.set_preset("default")
    assert "preset-mark" not in claims_html(pd.DataFrame([row]))


def test_the_tables_are_interactive_offline_with_every_row():
    from dltips.html_page import interactive_table

    frame = pd.DataFrame({"claim": [f"c{i}" for i in range(300)], "verdict": ["reproduced"] * 300})
    table = interactive_table(frame, "t")
    assert "https://" not in table.split("<script")[1]  # the library is embedded, not fetched
    assert "c299" in table  # no row left out (ITables downsamples large tables by default)


def test_the_pages_stay_small_enough_for_the_reports_viewer_to_open():
    """The report carries an HTML result as a base64 data URI (4/3 of its size), and Chromium
    did not open one of 2.6 MB: the default study's 18 claims and some 300 conditions stay
    under 1.4 MB."""
    from dltips.claims.conditions import conditions_html
    from dltips.claims.table import COLUMNS, claims_html

    claim = {c: "a sentence of some sixty characters, as the claims' texts are" for c in COLUMNS}
    claims = pd.DataFrame([claim | {"verdict": "reproduced", "value": 0.5, "n": 5}] * 18)
    rows = conditions_rows()
    conditions = pd.concat([rows.assign(why="no data: the study has no runs in this condition")] * 25)
    assert len(claims_html(claims)) < 1.4e6 and len(conditions_html(conditions)) < 1.4e6


# ---- the summary figure ------------------------------------------------------------------
def summary_row(**kw):
    base = {"id": "c", "verdict": "inconclusive", "first_look": "inconclusive", "value": 0.01, "ci_low": -0.01,
            "ci_high": 0.04, "threshold": 0.029, "direction": "<", "statistic": "slope, relu (decades)"}
    return base | kw


def test_an_equivalence_margin_is_drawn_on_both_sides():
    row = summary_row(direction="|·| <")
    parts = summary_row(parts=[{"statistic": "gap (nats)", "direction": "<", "threshold": 0.02},
                               {"statistic": "gap (nats)", "direction": ">", "threshold": -0.02}])
    fig = summary_figure(pd.DataFrame([row, parts]))
    for ax, margin in zip(fig.axes, (0.029, 0.02)):
        dashed = sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--")
        assert dashed == pytest.approx([-margin, margin])
        low, high = ax.get_xlim()
        assert low < -margin and high > margin
    plt.close(fig)
    assert margin_of(pd.DataFrame([summary_row()]).iloc[0]) is None  # a one-sided threshold is not a margin
    # a claim of several parts whose deciding part is an equivalence (claims.paired): its two sides, nested
    sides = [{"statistic": "slope, relu (decades)", "direction": "<", "threshold": 0.029},
             {"statistic": "slope, relu (decades)", "direction": ">", "threshold": -0.029}]
    nested = summary_row(parts=[{"statistic": "slope, relu (decades)", "direction": "<", "threshold": 0.029,
                                 "parts": sides}, {"statistic": "decay (decades)", "direction": "<", "threshold": 0}])
    assert margin_of(pd.DataFrame([nested]).iloc[0]) == pytest.approx(0.029)


def test_an_exact_check_shows_error_against_tolerance_on_a_few_decades_and_zero_as_exact():
    fig = summary_figure(pd.DataFrame([summary_row(direction="<=", value=0.0, ci_low=0.0, ci_high=0.0,
                                                   threshold=1e-12, statistic="largest slope decrease")]))
    ax = fig.axes[0]
    low, high = ax.get_xlim()
    assert ax.get_xscale() == "log" and high / low <= 1e10 and low < 1e-12 < high
    assert "0: exact" in [t.get_text() for t in ax.texts]
    plt.close(fig)


def test_the_summary_of_eighteen_claims_reads_at_the_reports_width(tmp_path):
    rows = [summary_row(id=f"claim-{i}", statistic="a statistic with a long name " * 4 + "(fraction)",
                        direction=">" if i % 3 else "<=", threshold=0.0 if i % 3 else 1e-10,
                        value=0.02 if i % 3 else 1e-17) for i in range(18)]
    preset_mark.set_preset("smoke", SMOKE_MARK)
    fig = summary_figure(pd.DataFrame(rows))
    figures.mark(fig)
    assert figures.problems(fig) == []
    plt.close(fig)


# ---- the overview ------------------------------------------------------------------------
def full_grid() -> pd.DataFrame:
    """The default study's grid: 2 datasets x 7 activations x 5 optimizers x 5 regularizers."""
    rows = [{"study": "grid", "dataset": d, "activation": a, "optimizer": o, "regularizer": r, "seed": 0,
             "diverged": False, "final_test_accuracy": 0.5, "variant": r, "depth": 4, "width": 100,
             "init": "default", "lr": 0.003, "lr_status": "interior"}
            for d in ("mnist1d", "digits") for a in ("sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "maxout")
            for o in ("sgd", "momentum", "adagrad", "rmsprop", "adam")
            for r in ("none", "l1", "l2", "dropout", "early_stopping")]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("draw", [overview.heatmap, overview.factor_effects,
                                  lambda runs: overview.failure_map(runs, 0.05), overview.learning_rates])
def test_the_overview_of_the_default_grid_reads_at_the_reports_width(draw):
    fig = draw(full_grid())
    figures.mark(fig)
    assert figures.problems(fig) == []
    plt.close(fig)


def test_the_learning_rates_are_a_figure_per_study_and_a_panel_per_dataset():
    runs = pd.concat([full_grid(), full_grid().assign(study="depth", activation="relu", optimizer="sgd")])
    assert overview.rate_studies(runs) == ["grid", "depth"]
    fig = overview.learning_rates(runs, "grid")
    assert [ax.get_title() for ax in fig.axes] == ["mnist1d", "digits"]
    assert fig.axes[0].get_xlabel() == "optimizer × variant" and fig.axes[0].get_ylabel() == "activation"
    plt.close(fig)


# ---- the conditions maps -----------------------------------------------------------------
def test_a_condition_label_reads_back_into_its_axes():
    assert axes_of("init=he, depth=10") == {"init": "he", "depth": "10"}
    assert axes_of("width=400, dropout_hidden=chosen on validation, set") == {
        "width": "400", "dropout_hidden": "chosen on validation, set"}
    assert axes_of("all") == {}


def test_the_statistic_is_named_once_for_every_condition_it_is_measured_in():
    stat = "log10(grad norm layer 1 / last), sigmoid, depth 3, he init, epoch 0 (decades)"
    assert measure(stat, {"init": "he", "depth": "3"}) == "log10(grad norm layer 1 / last), sigmoid, epoch 0 (decades)"
    assert measure("gap, sgd, L1 by prox", {"optimizer": "sgd", "update": "prox"}) == "gap, L1 by"


def conditions_rows():
    rows = []
    for dataset in ("mnist1d", "digits"):
        for init in ("default", "he"):
            for depth in (1, 3, 10):
                good = init == "he"
                rows.append({"claim": "relu-fixes-depth", "dataset": dataset, "condition": f"init={init}, depth={depth}",
                             "headline": (dataset, init, depth) == ("mnist1d", "he", 10),
                             "verdict": "reproduced" if good else "inconclusive",
                             "statistic": f"train accuracy, relu minus sigmoid, depth {depth}, {init} init (fraction)",
                             "value": 0.3 if good else 0.01, "ci_low": 0.2 if good else -0.1, "ci_high": 0.4,
                             "direction": ">", "threshold": 0.0, "n": 5, "why": ""})
    return pd.DataFrame(rows)


def test_a_claims_conditions_lie_on_their_axes_per_dataset_colored_by_verdict():
    from dltips.claims.conditions_map import FILL

    fig = claim_map(conditions_rows())
    try:
        first, second = fig.axes
        assert [first.get_title(loc="left"), second.get_title(loc="left")] == ["mnist1d; across: depth",
                                                                                 "digits; across: depth"]
        assert [t.get_text() for t in first.get_yticklabels()] == ["default", "he"]
        assert [t.get_text() for t in first.get_xticklabels()] == ["depth=1", "depth=3", "depth=10"]
        cells = {(p.get_x(), p.get_y()): p for p in first.patches}
        assert cells[(2, 1)].get_facecolor()[:3] == pytest.approx(plt.matplotlib.colors.to_rgb(FILL["reproduced"]))
        assert cells[(2, 1)].get_linewidth() > cells[(0, 0)].get_linewidth()  # the headline's border
        assert "the claim needs > 0" in fig.get_suptitle()
        assert fig.get_supxlabel() == "statistic: train accuracy, relu minus sigmoid (fraction)"
        figures.mark(fig)
        assert figures.problems(fig) == []
    finally:
        plt.close(fig)
