from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips.collect import collect

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    collect(snakemake.input, dict(snakemake.output.items()))
