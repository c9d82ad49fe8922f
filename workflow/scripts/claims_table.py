from contextlib import redirect_stderr, redirect_stdout

from dltips.claims.table import claims_table

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    claims_table(snakemake.input.json, snakemake.input.png, snakemake.output[0])
