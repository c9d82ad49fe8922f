from contextlib import redirect_stderr, redirect_stdout

from dltips.claims.conditions import conditions_table

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    conditions_table(snakemake.input, snakemake.output.csv, snakemake.output.html)
