from dltips.bill import study_progress
from dltips.contract import Job
from dltips.jobs import run_job
from dltips.phases import process_start_time
from dltips.process import run_training_job

run_training_job(snakemake.log[0], snakemake.config.get("extensions"), lambda: run_job(
    Job.from_dict(snakemake.params.job),
    snakemake.input.data,
    snakemake.output.runs,
    tied_dir=snakemake.output.get("tied"),  # the rate look's tied runs, where it trains them
    device=snakemake.config["training"]["device"],
    threads=snakemake.threads,
    grid_dir=snakemake.input.get("grid"),
    started=process_start_time(),  # the start-up counts the process's imports
), progress=lambda: study_progress(snakemake.config))  # this job's trees are in place: it counts as done
