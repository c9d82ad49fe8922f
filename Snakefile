# dltips: the "Tips for Deep Learning" ablation study. See README.md.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/collect.smk"


rule all:
    input:
        get_final_outputs(),
    default_target: True
