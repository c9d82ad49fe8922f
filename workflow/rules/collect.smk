localrules:
    collect,
    collect_tied,


rule collect:
    """Gather every run directory into tidy tables."""
    input:
        get_job_dirs(),
    output:
        **get_tables(),
    log:
        f"{RESULTS}/logs/collect.log",
    benchmark:
        f"{RESULTS}/benchmarks/collect.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/collect.py"


rule collect_tied:
    """The tied runs' tables, by the same code: rows of tied runs only (dltips.tied)."""
    input:
        get_tied_job_dirs(),
    output:
        **{name: f"{RESULTS}/tables/tied/{name}.csv" for name in TIED_RUN_TABLES},
    log:
        f"{RESULTS}/logs/collect_tied.log",
    benchmark:
        f"{RESULTS}/benchmarks/collect_tied.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/collect.py"
