import sys
from contextlib import redirect_stderr, redirect_stdout

from dltips.bill import running_progress
from dltips.contract import Job
from dltips.extensions import load as load_extensions
from dltips.jobs import run_job
from dltips.phases import process_start_time
from dltips.process import end_process

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    summary = run_job(
        Job.from_dict(snakemake.params.job),
        snakemake.input.data,
        snakemake.output[0],
        device=snakemake.config["training"]["device"],
        threads=snakemake.threads,
        grid_dir=snakemake.input.get("grid"),
        started=process_start_time(),  # the start-up counts the process's imports
    )
    print(summary)
# how far the study is: this job's directory is complete, so it counts as done. A record another
# job is writing at this moment must not fail this one, whose outputs are written
try:
    progress = running_progress(snakemake.config["results"], snakemake.config)
except (OSError, ValueError, KeyError) as error:
    progress = f"progress unknown ({type(error).__name__}: {error})"
print(f"{summary}\n{progress}", file=sys.stderr)  # the console: Snakemake shows a job's stderr as it runs
end_process()  # every output is written and closed: skip the interpreter's slow teardown
