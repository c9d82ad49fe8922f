localrules:
    overview,


rule overview:
    """Grid overview: accuracy heat map, factor effects, failure map; the learning rates of every study."""
    input:
        runs=f"{RESULTS}/tables/runs.csv",
    output:
        heatmap=report(
            f"{RESULTS}/overview/heatmap.png",
            caption="../report/heatmap.rst",
            category="1. Grid overview",
            labels={"panel": "accuracy per cell"},
        ),
        factor_effects=report(
            f"{RESULTS}/overview/factor_effects.png",
            caption="../report/factor_effects.rst",
            category="1. Grid overview",
            labels={"panel": "factor effects"},
        ),
        failure_map=report(
            f"{RESULTS}/overview/failure_map.png",
            caption="../report/failure_map.rst",
            category="1. Grid overview",
            labels={"panel": "failure map"},
        ),
        # one figure per study, a panel per dataset: every study's conditions in one figure
        # would be too small to read at the report's width
        learning_rates=report(
            directory(f"{RESULTS}/overview/learning_rates"),
            patterns=["{study}.png"],
            caption="../report/learning_rates.rst",
            category="1. Grid overview",
            labels={"panel": "learning rates: {study}"},
        ),
    params:
        chance_margin=config["report"]["chance_margin"],
        preset=config["preset"],
        mark=config["mark"],
    log:
        f"{RESULTS}/logs/overview.log",
    benchmark:
        f"{RESULTS}/benchmarks/overview.tsv"
    conda:
        CONDA_ENV
    script:
        "../scripts/overview.py"
