# Tables computed from trained weights and models (the claims read tables, never run dirs). With
# the rate look on, each rule writes the tied runs' tables too (tables/tied/, dltips.tied), by the
# same code in the same process: a process of its own costs its imports again.


rule weight_tables:
    """|w| summaries and histograms per run and layer; learned PReLU slopes."""
    input:
        runs=get_job_dirs(),
        tied=get_tied_job_dirs(),
    output:
        weights=f"{RESULTS}/tables/weights.csv",
        weight_hist=f"{RESULTS}/tables/weight_hist.csv",
        slopes=f"{RESULTS}/tables/slopes.csv",
        **tied_tables(TIED_WEIGHT_TABLES),
    log:
        f"{RESULTS}/logs/weight_tables.log",
    benchmark:
        f"{RESULTS}/benchmarks/weight_tables.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        CONDA_ENV
    script:
        "../scripts/weight_tables.py"


rule derived_table:
    """Evaluations of trained models: dropout at test time, ensembles, Maxout units."""
    input:
        unpack(get_derived_inputs),
    output:
        table=f"{RESULTS}/tables/{{derived}}.csv",
        **({f"{TIED_PREFIX}table": f"{RESULTS}/tables/tied/{{derived}}.csv"} if TRAIN_TIED else {}),
    params:
        name=lambda wildcards: wildcards.derived,
    log:
        f"{RESULTS}/logs/derived/{{derived}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/derived_table/{{derived}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        CONDA_ENV
    script:
        "../scripts/derived_table.py"


rule dataset_sizes:
    """Each dataset's split sizes and the training samples a run evaluates: the N of every
    margin a claim fixes from a test set's resolution (dltips.dataset_sizes)."""
    input:
        **{dataset: f"{RESULTS}/data/{dataset}.json" for dataset in DATASETS},
    output:
        f"{RESULTS}/tables/datasets.csv",
    params:
        train_eval_sizes=train_eval_sizes(JOBS),
    log:
        f"{RESULTS}/logs/dataset_sizes.log",
    benchmark:
        f"{RESULTS}/benchmarks/dataset_sizes.tsv"
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../scripts/dataset_sizes.py"
