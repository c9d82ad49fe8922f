from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions

import torch

from dltips.derived import build
from dltips.tied import split_tied

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    torch.set_num_threads(snakemake.threads)
    datasets = {k.removeprefix("data_"): v for k, v in snakemake.input.items() if k.startswith("data_")}
    own, tied = split_tied(dict(snakemake.output.items()))
    build(snakemake.params.name, snakemake.input.jobs, datasets, own["table"])
    if tied:  # the rate look trains its tied runs
        build(snakemake.params.name, snakemake.input.tied, datasets, tied["table"])
