localrules:
    collect,


rule collect:
    """Gather every run directory into tidy tables; with the rate look on, the tied runs' into
    tables/tied/ by the same code (rows of tied runs only, dltips.tied), in the same process."""
    input:
        runs=get_job_dirs(),
        tied=get_tied_job_dirs(),
    output:
        **get_tables(),
        **tied_tables(TIED_RUN_TABLES),
    log:
        f"{RESULTS}/logs/collect.log",
    benchmark:
        f"{RESULTS}/benchmarks/collect.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/collect.py"
