from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions

import torch

from dltips.tied import split_tied
from dltips.weights import write_weight_tables

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    torch.set_num_threads(snakemake.threads)
    own, tied = split_tied(dict(snakemake.output.items()))
    write_weight_tables(snakemake.input.runs, own)
    if tied:  # the rate look trains its tied runs
        write_weight_tables(snakemake.input.tied, tied)
