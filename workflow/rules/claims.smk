# Judging: every claim's evidence table, verdict, figure and report caption, then the tables of
# all claims. One job for every claim: a claim costs 1-5 s of work but a process of its own
# costs its imports again (pandas, seaborn, scipy; torch for the exact and toy checks), which
# made the claims most of the smoke preset's time. Adding a claim needs no rule edit here:
# register its module and give its settings in config.yaml under claims.<id>.


rule judge:
    input:
        **get_judge_tables(),
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
            labels={"view": "summary figure (start here)"},
        ),
        claims_svg=f"{RESULTS}/claims.svg",
        claims_html=report(
            f"{RESULTS}/claims.html",
            caption="../report/claims_table.rst",
            category="0. Verdicts",
            labels={"view": "table of all claims"},
        ),
        # where each claim holds: every claim's verdict per dataset and condition
        conditions_csv=f"{RESULTS}/conditions.csv",
        conditions_html=report(
            f"{RESULTS}/conditions.html",
            caption="../report/conditions.rst",
            category="0. Verdicts",
            labels={"table": "where each claim holds"},
        ),
    params:
        headline_dataset=config["grid"]["datasets"][0],
        # every claim's settings, readable in the report, and a change reruns the judging; the
        # script reads the settings themselves from the config
        settings={c: settings_text(config["claims"][c]) for c in CLAIM_IDS},
    log:
        **{claim_key(c): f"{RESULTS}/logs/claims/{c}.log" for c in CLAIM_IDS},
    # claims are judged side by side by processes forked from one that loaded the imports once
    threads: workflow.cores
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../scripts/judge.py"
