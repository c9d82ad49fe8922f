from contextlib import redirect_stderr, redirect_stdout

from dltips.dataset_sizes import write_dataset_table

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    write_dataset_table(dict(snakemake.input.items()), snakemake.params.train_eval_sizes, snakemake.output[0])
