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
        learning_rates=report(
            f"{RESULTS}/overview/learning_rates.png",
            caption="../report/learning_rates.rst",
            category="1. Grid overview",
            labels={"panel": "learning rates"},
        ),
    params:
        chance_margin=config["report"]["chance_margin"],
    log:
        f"{RESULTS}/logs/overview.log",
    conda:
        CONDA_ENV
    script:
        "../scripts/overview.py"
