from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips.collect import collect
from dltips.tied import split_tied

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    own, tied = split_tied(dict(snakemake.output.items()))
    collect(snakemake.input.runs, own)
    if tied:  # the rate look trains its tied runs
        collect(snakemake.input.tied, tied)
