rule dataset:
    input:
        get_dataset_files,
    output:
        data=f"{RESULTS}/data/{{dataset}}.npz",
        checksum=f"{RESULTS}/data/{{dataset}}.json",
    params:
        spec=get_dataset_params,
    log:
        f"{RESULTS}/logs/dataset/{{dataset}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/dataset/{{dataset}}.tsv"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        CONDA_ENV
    script:
        "../scripts/build_dataset.py"
