from contextlib import redirect_stderr, redirect_stdout

from dltips.io import write_json
from dltips.provenance import record

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    write_json(snakemake.output[0], record(snakemake.params.study, snakemake.input, snakemake.params.workflow_dir))
