localrules:
    collect,


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
