from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips.claims.table import claims_table

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    claims_table(snakemake.input.json, snakemake.input.png, snakemake.output.csv, snakemake.output.html,
                 snakemake.output.png, snakemake.output.svg)
