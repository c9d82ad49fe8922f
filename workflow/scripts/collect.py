from contextlib import redirect_stderr, redirect_stdout

from dltips.collect import collect

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    collect(snakemake.input, dict(snakemake.output.items()))
