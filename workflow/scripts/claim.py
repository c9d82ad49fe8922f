from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips.claims.run import run_claim

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    run_claim(
        snakemake.params.claim,
        {name: path for name, path in snakemake.input.items() if name != "caption_template"},
        snakemake.config["claims"][snakemake.params.claim],
        snakemake.output,
        caption_template=snakemake.input.caption_template,
        headline_dataset=snakemake.params.headline_dataset,
    )
