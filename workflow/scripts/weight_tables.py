from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions

import torch

from dltips.weights import write_weight_tables

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    torch.set_num_threads(snakemake.threads)
    write_weight_tables(snakemake.input, dict(snakemake.output.items()))
