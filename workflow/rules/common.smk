# Helpers shared by every step of the workflow (config validation, the job plan). Torch-free, so
# parsing the workflow stays cheap (it happens once per job on a cluster).
import json
import os
import sys

from snakemake.sourcecache import LocalSourceFile

from dltips.claims import CLAIM_OUTPUTS, claim_key, get as get_claim
from dltips.claims.settings import settings_text
from dltips.config import ConfigError, narrowed, validate
from dltips.data import source_files
from dltips.extensions import load as load_extensions
from dltips.derived import DERIVED, check_derived_tables, jobs_for
from dltips.bill import bill_lines, plan_model_epochs, write_study_file
from dltips.plan import datasets_used, plan, train_eval_sizes
from dltips.provenance import landing_facts, study_facts
from dltips.staging import keep_for_rerun
from dltips.tied import TIED_PREFIX
# USER_CATEGORY: the report's section for the report() entries of user_rules (README: A rule of your own)
from dltips.user_rules import CATEGORY as USER_CATEGORY, files as user_rule_files, targets as user_rule_targets

# the keys this workflow adds to the config for the report (report_landing below, report_banner in
# claims.smk) are not settings: a second reading of this file (a Snakemake module's Snakefile is
# read once per `use rule` statement, on the same config) finds them there before validating it
for key in ("report_landing", "report_banner"):
    config.pop(key, None)
# and the mark a first reading copied from the chosen preset (presets.<name>.mark), which the check of
# the other presets would take for a mark given to the default study
if config.get("mark") is not None and config["mark"] == ((config.get("presets") or {}).get(
        config.get("preset", "default")) or {}).get("mark"):
    config.pop("mark")

try:
    load_extensions(config.get("extensions"))  # before validation: they add allowed names
    validated = validate(config, workflow.source_path("../schemas/config.schema.yaml"))
    if not (workflow.remote_exec or workflow.subprocess_exec):  # said once, by the main Snakemake
        for line in narrowed(config):
            logger.info(line)
    # in place, so scripts (snakemake.config) see the preset applied and the defaults filled too
    config.clear()
    config.update(validated)
    JOBS = plan(config)
    check_derived_tables(config, JOBS)
    USER_RULE_FILES = user_rule_files(config["user_rules"])
except (ConfigError, FileNotFoundError, ImportError) as error:
    sys.exit(f"dltips: {error}")  # its message alone, without Snakemake's traceback lines

RESULTS = config["results"]
# the train rule's priority: longest jobs first, so no core idles at the tail of the study
PLANNED_MODEL_EPOCHS = plan_model_epochs(JOBS)
if not (workflow.remote_exec or workflow.subprocess_exec):
    # the bill before the work: what the plan trains, and about how long it takes here
    for line in bill_lines(JOBS, RESULTS, workflow.cores or 1, tied=config["rate_look"]["train"]):
        logger.info(line)
    if not workflow.output_settings.dryrun:
        # the training jobs' progress lines read it
        write_study_file(RESULTS, workflow.cores or 1, PLANNED_MODEL_EPOCHS)
# dltips' own folder, whose commit the provenance records: the Snakefile's, unless another folder's
# Snakefile runs dltips as a module (README: A rule of your own), whose folder is workflow.basedir;
# this file's, two levels up, in both (its URI where the module comes from GitHub)
DLTIPS_ROOT = workflow.current_basedir.get_path_or_uri(secret_free=True)
if isinstance(workflow.current_basedir, LocalSourceFile):
    DLTIPS_ROOT = os.path.dirname(os.path.dirname(os.path.realpath(DLTIPS_ROOT)))
CONDA_ENV = "../../envs/dltips.yaml"  # relative to workflow/rules/
DATASETS = datasets_used(JOBS)


def get_dataset_files(wildcards):
    return source_files(wildcards.dataset, config["dataset_params"].get(wildcards.dataset, {}))


def get_dataset_params(wildcards):
    params = config["dataset_params"]
    return {
        "params": params.get(wildcards.dataset, {}),
        "validation_fraction": params["validation_fraction"],
        "split_seed": params["split_seed"],
    }


def get_job(wildcards):
    return JOBS[wildcards.job].to_dict()  # params carry plain values: Snakemake compares them between runs


def get_train_inputs(wildcards):
    job = JOBS[wildcards.job]
    inputs = {
        "data": f"{RESULTS}/data/{job.dataset}.npz",
        "checksum": f"{RESULTS}/data/{job.dataset}.json",
    }
    if job.grid_job:
        inputs["grid"] = f"{RESULTS}/runs/{job.grid_job}"
    return inputs


def keep_finished_training():
    """As the study starts (onstart): each training job Snakemake is about to run again (a tree
    missing or cut short, its rule or settings changed) keeps the trees it finished from the
    deletion that precedes the run, in their staging folders, where it finds them
    (dltips.staging); a job forced to run again (--forcerun train) trains anew."""
    kept = 0
    for job in workflow.dag.needrun_jobs():
        if job.rule.name == "train":
            kept += bool(keep_for_rerun(list(job.output), forced=workflow.dag.reason(job).forced))
    if kept:
        logger.info(f"dltips: {kept} training job(s) to run again keep the trees they finished; each trains "
                    "only what was not written with its present settings")


def get_job_dirs(wildcards=None):
    return [f"{RESULTS}/runs/{name}" for name in JOBS]


def get_tables():
    return {name: f"{RESULTS}/tables/{name}.csv" for name in ("runs", "epochs", "layers", "tuning")}


# ---- the rate look: the reported runs at the rates tied with their arm's pick (dltips.tied) ----
TRAIN_TIED = config["rate_look"]["train"]
TIED_RUN_TABLES = ("runs", "epochs", "layers")  # collect's tables of runs (tuning has no tied rows)
TIED_WEIGHT_TABLES = ("weights", "weight_hist", "slopes")


def get_train_outputs():
    """The train job's trees: its reported runs and, with the rate look on, its tied runs."""
    trees = {"runs": directory(f"{RESULTS}/runs/{{job}}")}
    if TRAIN_TIED:
        trees["tied"] = directory(f"{RESULTS}/tied/runs/{{job}}")
    return trees


def get_tied_job_dirs(wildcards=None):
    return [f"{RESULTS}/tied/runs/{name}" for name in JOBS] if TRAIN_TIED else []


def tied_tables(names):
    """`tied_<name>` -> the path of table <name>'s rows of tied runs, for each name; none where
    the rate look's training is off."""
    return {f"{TIED_PREFIX}{name}": f"{RESULTS}/tables/tied/{name}.csv" for name in names} if TRAIN_TIED else {}


def get_tied_tables():
    """The tied rows of every table built from runs or models (the judging's inputs)."""
    return tied_tables((*TIED_RUN_TABLES, *TIED_WEIGHT_TABLES, *DERIVED.names()))


def get_machine_look_inputs():
    """The verdicts of the study of the same config on another machine (config machine_look), if given."""
    other = config["machine_look"]["results"]
    return {} if other is None else {f"machine_look_{name}": f"{other}/{name}.csv" for name in ("claims", "conditions")}


def get_final_outputs():
    return (list(get_tables().values()) + [f"{RESULTS}/claims.csv", f"{RESULTS}/conditions.csv"] + get_overview_figures()
            + [f"{RESULTS}/provenance.json"])


# The report's landing page (workflow/report/workflow.rst) states these; Snakemake renders it
# with nothing but the config, so they travel there. Read when the report is built, after the
# study wrote them.
config["report_landing"] = landing_facts(f"{RESULTS}/provenance.json")


# ---- tables, claims and report -------------------------------------------------------
# the claims judged: those with a block under `claims:` (validated against the registered
# claims, extensions' included), in the config's order, which is the report's
CLAIM_IDS = list(config["claims"])


def get_claim_tables(claim_id):
    return {name: f"{RESULTS}/tables/{name}.csv" for name in get_claim(claim_id).tables}


def get_judge_tables():
    return {name: path for claim_id in CLAIM_IDS for name, path in get_claim_tables(claim_id).items()}


def get_claim_outputs():
    """Each claim's csv, json, rst, png (its report entry), svg and conditions.csv."""
    outputs = {}
    for claim_id in CLAIM_IDS:
        for kind, suffix in CLAIM_OUTPUTS.items():
            path = f"{RESULTS}/claims/{claim_id}.{suffix}"
            if kind == "png":
                path = report(path, caption=claim_caption(claim_id), category=get_claim(claim_id).category,
                              labels=claim_labels(claim_id))
            outputs[f"{claim_key(claim_id)}_{kind}"] = path
    return outputs


def claim_caption(claim_id):
    # written, with its numbers, by the judge step itself from workflow/report/claim.rst
    return os.path.abspath(f"{RESULTS}/claims/{claim_id}.rst")


def claim_label(claim_id):
    """'03. sigmoid-attenuates': the report sorts a section's entries by their labels, so the
    claim's place in config.yaml (the notes' order) leads its label."""
    return f"{CLAIM_IDS.index(claim_id) + 1:02d}. {claim_id}"


def claim_labels(claim_id):
    """The report's labels of a claim's figure: its verdict, read when the report is built
    (Snakemake evaluates a labels function then)."""

    def labels(wildcards):
        with open(f"{RESULTS}/claims/{claim_id}.json") as f:
            return {"claim": claim_label(claim_id), "verdict": json.load(f)["verdict"]}

    return labels


def get_derived_inputs(wildcards):
    """The jobs a derived table reads (their tied trees too, as `tied`) and their datasets."""
    names = jobs_for(wildcards.derived, JOBS, config)
    inputs = {"jobs": [f"{RESULTS}/runs/{name}" for name in names]}
    if TRAIN_TIED:
        inputs["tied"] = [f"{RESULTS}/tied/runs/{name}" for name in names]
    for dataset in sorted({JOBS[name].dataset for name in names}):
        inputs[f"data_{dataset}"] = f"{RESULTS}/data/{dataset}.npz"
    return inputs


def get_overview_figures():
    return [f"{RESULTS}/overview/{name}.png" for name in ("heatmap", "factor_effects", "failure_map")] + [
        f"{RESULTS}/overview/learning_rates"  # a figure per study
    ]
