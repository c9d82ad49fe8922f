localrules:
    provenance,


rule provenance:
    """The facts the report's landing page states: preset, seeds, epochs, datasets, and what the
    runs recorded (machine, libraries), with the commit of this checkout."""
    input:
        get_job_dirs(),
    output:
        f"{RESULTS}/provenance.json",
    params:
        study=study_facts(config, JOBS),
        workflow_dir=DLTIPS_ROOT,
    log:
        f"{RESULTS}/logs/provenance.log",
    benchmark:
        f"{RESULTS}/benchmarks/provenance.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/provenance.py"
