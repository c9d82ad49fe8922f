import sys
from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips.process import end_process
from dltips.tied import run_tied

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    summary = run_tied(
        snakemake.input.trained,
        snakemake.input.data,
        snakemake.output[0],
        device=snakemake.config["training"]["device"],
        threads=snakemake.threads,
        grid_dir=snakemake.input.get("grid"),
    )
    print(summary)
print(summary, file=sys.stderr)  # the console: Snakemake shows a job's stderr as it runs
end_process()  # every output is written and closed: skip the interpreter's slow teardown
