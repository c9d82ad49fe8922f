# Where the study's time went: every rule's benchmark record and every training job's timing
# file, split into start-up, rate search, training, evaluation, layer statistics, writing,
# judging, the report's tables and figures, and idle cores (dltips.study_time). Timing only:
# its table changes from run to run, and nothing reads it.

localrules:
    timing,


rule timing:
    input:
        # last: after every other rule, whose records it reads
        get_final_outputs(),
    output:
        csv=f"{RESULTS}/timing.csv",
        png=report(
            f"{RESULTS}/timing.png",
            caption="../report/timing.rst",
            category="7. Where the time goes",  # after the claims (2.-5.) and your own rules (6.)
            labels={"figure": "cores' seconds per part"},
        ),
        svg=f"{RESULTS}/timing.svg",
    params:
        results=RESULTS,
        cores=workflow.cores,
        preset=config["preset"],
        mark=config["mark"],
    log:
        f"{RESULTS}/logs/timing.log",
    benchmark:
        f"{RESULTS}/benchmarks/timing.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/timing.py"
