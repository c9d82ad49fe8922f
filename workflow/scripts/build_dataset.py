from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips import data

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    spec = snakemake.params.spec
    dataset = data.build(snakemake.wildcards.dataset, spec["params"], spec["validation_fraction"], spec["split_seed"])
    data.save(dataset, snakemake.output.data, provenance={"dataset": snakemake.wildcards.dataset, **spec})
