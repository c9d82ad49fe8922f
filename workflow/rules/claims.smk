# Judging: every claim's evidence table, verdict, figure and report caption, then the tables of
# all claims. One job for every claim: a claim costs 1-5 s of work but a process of its own
# costs its imports again (pandas, seaborn, scipy; torch for the exact and toy checks), which
# made the claims most of the smoke preset's time. Adding a claim needs no rule edit here:
# register its module and give its settings in config.yaml under claims.<id>.

from dltips.preset_mark import rst_banner

# Every caption of the report opens with it (Snakemake renders captions with the config): a
# study that is not the default one says so on every page
config["report_banner"] = rst_banner(config["preset"], config["mark"])


rule judge:
    input:
        **get_judge_tables(),
        # the tables of the runs at the rates tied with their arm's pick (dltips.tied): the rate look
        **get_tied_tables(),
        # the machine look: another machine's verdicts (an input: a new verdict there judges this study again)
        **get_machine_look_inputs(),
        # an input, not a parameter: editing the template re-renders every caption
        caption_template=workflow.source_path("../report/claim.rst"),
    output:
        **get_claim_outputs(),
        claims_csv=f"{RESULTS}/claims.csv",
        # leads the report: one row per claim, the deciding number against its threshold
        claims_png=report(
            f"{RESULTS}/claims.png",
            caption="../report/claims_summary.rst",
            category="0. Verdicts",
            labels={"shows": "summary figure (start here)"},
        ),
        claims_svg=f"{RESULTS}/claims.svg",
        claims_html=report(
            f"{RESULTS}/claims.html",
            caption="../report/claims_table.rst",
            category="0. Verdicts",
            labels={"shows": "table of all claims"},
        ),
        # where each claim holds: every claim's verdict per dataset and condition
        conditions_csv=f"{RESULTS}/conditions.csv",
        conditions_html=report(
            f"{RESULTS}/conditions.html",
            caption="../report/conditions.rst",
            category="0. Verdicts",
            labels={"shows": "table of where each claim holds"},
        ),
        # the same as a picture per claim: its conditions on their axes, colored by verdict
        conditions_maps=report(
            directory(f"{RESULTS}/conditions"),
            # named '03_sigmoid-attenuates.png' (conditions_map.write_maps): the config's order sorts first
            patterns=["{order}_{claim}.png"],
            caption="../report/conditions_map.rst",
            category="0. Where each claim holds",
            labels={"claim": "{order}. {claim}"},
        ),
    params:
        headline_dataset=config["grid"]["datasets"][0],
        # every figure and table of a study that is not the default one carries its mark
        preset=config["preset"],
        mark=config["mark"],
        # a study of the headlines' runs alone labels each claim's context as partial
        trains=config["trains"],
        # every claim's settings, readable in the report, and a change reruns the judging; the
        # script reads the settings themselves from the config
        settings={c: settings_text(config["claims"][c]) for c in CLAIM_IDS},
        # the rate look's worlds: a param, so that another strength judges again
        rate_look_strength=config["rate_look"]["strength"],
        # the machine look's study: the folder of another machine's claims.csv, conditions.csv, provenance.json
        machine_look=config["machine_look"]["results"],
    log:
        **{claim_key(c): f"{RESULTS}/logs/claims/{c}.log" for c in CLAIM_IDS},
    benchmark:
        f"{RESULTS}/benchmarks/judge.tsv"
    # claims are judged side by side by processes forked from one that loaded the imports once
    threads: workflow.cores
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../scripts/judge.py"
