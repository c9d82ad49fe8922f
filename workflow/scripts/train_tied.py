from dltips.process import run_training_job
from dltips.tied import run_tied

run_training_job(snakemake.log[0], snakemake.config.get("extensions"), lambda: run_tied(
    snakemake.input.trained,
    snakemake.input.data,
    snakemake.output[0],
    device=snakemake.config["training"]["device"],
    threads=snakemake.threads,
    grid_dir=snakemake.input.get("grid"),
))
