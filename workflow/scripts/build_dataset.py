from contextlib import redirect_stderr, redirect_stdout

from dltips import data

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    spec = snakemake.params.spec
    dataset = data.build(snakemake.wildcards.dataset, spec["params"], spec["validation_fraction"], spec["split_seed"])
    data.save(dataset, snakemake.output.data, provenance={"dataset": snakemake.wildcards.dataset, **spec})
