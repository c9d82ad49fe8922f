# The script of the example rule seed_spread.smk: wiring only, the work is dltips.seed_spread's.
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd

from dltips import preset_mark, seed_spread
from dltips.figures import save
from dltips.io import write_csv

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    preset_mark.set_preset(snakemake.params.preset, snakemake.params.mark)
    spread = seed_spread.cell_spread(pd.read_csv(snakemake.input.runs))
    write_csv(snakemake.output.csv, spread)
    save(seed_spread.figure(spread), snakemake.output.png, snakemake.output.svg)
