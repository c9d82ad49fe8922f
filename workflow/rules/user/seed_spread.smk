# An example of a rule of your own (README: A rule of your own), not part of the default study:
# list it under `user_rules:` in config.yaml to run it,
#     user_rules: [workflow/rules/user/seed_spread.smk]
# It reads a table of the study (runs.csv, named by the rule that writes it), writes a CSV and a
# figure of its own, and puts the figure in the report's section for your rules. Its outputs name
# no wildcard, so the default target (`snakemake`) asks for them.


rule seed_spread:
    """Per grid cell, the standard deviation of the final test accuracy over seeds; per
    activation, how those spreads are distributed."""
    input:
        runs=rules.collect.output.runs,
    output:
        csv=f"{RESULTS}/user/seed_spread.csv",
        png=report(
            f"{RESULTS}/user/seed_spread.png",
            caption="seed_spread.rst",
            category=USER_CATEGORY,
            labels={"rule": "seed spread per activation"},
        ),
        svg=f"{RESULTS}/user/seed_spread.svg",
    params:
        preset=config["preset"],  # a study that is not the default one marks its figures
        mark=config["mark"],
    log:
        f"{RESULTS}/logs/user/seed_spread.log",
    localrule: True
    conda:
        "../../../envs/dltips.yaml"
    script:
        "seed_spread.py"
