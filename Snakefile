# dltips: the "Tips for Deep Learning" ablation study. See README.md.
from snakemake.utils import min_version

from dltips.config import check_yaml

min_version("9.0")

check_yaml("config.yaml")  # a malformed file is named with its line and column


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"


wildcard_constraints:
    dataset="|".join(DATASETS),
    job="[^/]+",
    derived="|".join(DERIVED.names()),


include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/collect.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/overview.smk"
include: "workflow/rules/provenance.smk"
include: "workflow/rules/slurm.smk"
include: "workflow/rules/timing.smk"


onstart:
    slurm_preflight()  # workflow/rules/slurm.smk: it stops a SLURM run that cannot work
    keep_finished_training()  # workflow/rules/common.smk


# Rule files of the user's own (config key user_rules; README: A rule of your own), read after
# dltips' rules so that theirs can name dltips' outputs (rules.collect.output.runs)
DLTIPS_RULES = {rule.name for rule in workflow.rules}
for path in USER_RULE_FILES:

    include: path


rule all:
    input:
        get_final_outputs(),
        rules.timing.output.csv,
        user_rule_targets(rule for rule in workflow.rules if rule.name not in DLTIPS_RULES),
    default_target: True
