rule train:
    """Train one job's stack of models (its runs differ in regularizer and seed), then, with the
    rate look on, its runs again at the rates tied with their arm's pick (dltips.tied), in the
    same process: its start-up is paid once."""
    input:
        unpack(get_train_inputs),
    output:
        **get_train_outputs(),
    params:
        # the job spec only: where it runs (training.device) does not change what it computes, so
        # it is read from the config by the script and never triggers a rerun
        job=get_job,
    log:
        f"{RESULTS}/logs/train/{{job}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train/{{job}}.tsv"
    threads: config["threads"]
    # longest first (planned model-epochs): the last jobs to start are short, so no core waits
    # long at the tail for the others; the order changes no result
    priority: lambda wildcards: PLANNED_MODEL_EPOCHS[wildcards.job]
    resources:
        mem_mb=2000,
        runtime=60,  # minutes; a default-grid job takes about one, its tied runs included
    conda:
        CONDA_ENV
    script:
        "../scripts/train.py"

