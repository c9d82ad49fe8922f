localrules:
    collect,


rule collect:
    """Gather every run directory into tidy tables."""
    input:
        get_job_dirs(),
    output:
        get_tables(),
    params:
        out_dir=f"{RESULTS}/tables",
    log:
        f"{RESULTS}/logs/collect.log",
    script:
        "../scripts/collect.py"
