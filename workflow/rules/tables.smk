# Tables computed from trained weights and models (the claims read tables, never run dirs).


rule weight_tables:
    """|w| summaries and histograms per run and layer; learned PReLU slopes."""
    input:
        get_job_dirs(),
    output:
        weights=f"{RESULTS}/tables/weights.csv",
        weight_hist=f"{RESULTS}/tables/weight_hist.csv",
        slopes=f"{RESULTS}/tables/slopes.csv",
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
        f"{RESULTS}/tables/{{derived}}.csv",
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


rule weight_tables_tied:
    """The weight tables of the tied runs (dltips.tied)."""
    input:
        get_tied_job_dirs(),
    output:
        **{name: f"{RESULTS}/tables/tied/{name}.csv" for name in TIED_WEIGHT_TABLES},
    log:
        f"{RESULTS}/logs/weight_tables_tied.log",
    benchmark:
        f"{RESULTS}/benchmarks/weight_tables_tied.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    conda:
        CONDA_ENV
    script:
        "../scripts/weight_tables.py"


rule derived_table_tied:
    """The derived tables of the tied runs (dltips.tied)."""
    input:
        unpack(get_tied_derived_inputs),
    output:
        f"{RESULTS}/tables/tied/{{derived}}.csv",
    params:
        name=lambda wildcards: wildcards.derived,
    log:
        f"{RESULTS}/logs/derived_tied/{{derived}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/derived_table_tied/{{derived}}.tsv"
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
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../scripts/dataset_sizes.py"
