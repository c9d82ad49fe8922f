from contextlib import redirect_stderr, redirect_stdout

from dltips.extensions import load as load_extensions
from dltips.claims.run import run_claim

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    load_extensions(snakemake.config.get("extensions"))
    run_claim(
        snakemake.params.claim,
        dict(snakemake.input.items()),
        snakemake.params.settings,
        snakemake.output,
        caption_template=snakemake.params.caption_template,
    )
