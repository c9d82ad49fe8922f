from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from pathlib import Path

import pandas as pd

from dltips import overview, preset_mark
from dltips.figures import save

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    preset_mark.set_preset(snakemake.params.preset, snakemake.params.mark)
    runs = pd.read_csv(snakemake.input.runs)
    panels = {
        "heatmap": overview.heatmap(runs),
        "factor_effects": overview.factor_effects(runs),
        "failure_map": overview.failure_map(runs, snakemake.params.chance_margin),
    }
    for name, fig in panels.items():
        png = Path(snakemake.output[name])
        save(fig, png, png.with_suffix(".svg"))
    rates = Path(snakemake.output.learning_rates)
    rates.mkdir(parents=True, exist_ok=True)
    for study in overview.rate_studies(runs):
        save(overview.learning_rates(runs, study), rates / f"{study}.png", rates / f"{study}.svg")
