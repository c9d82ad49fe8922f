from dltips.contract import Job
from dltips.jobs import run_job
from dltips.process import run_training_job

run_training_job(snakemake.log[0], snakemake.config.get("extensions"), lambda: run_job(
    Job.from_dict(snakemake.params.job),
    snakemake.input.data,
    snakemake.output[0],
    device=snakemake.config["training"]["device"],
    threads=snakemake.threads,
    grid_dir=snakemake.input.get("grid"),
))
