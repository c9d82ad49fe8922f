# One rule per claim (claim_<id>): evidence table, verdict, figure and its report caption.
# Adding a claim needs no rule edit here: register its module and give its settings in
# config.yaml under claims.<id>.

for claim_id in CLAIM_IDS:

    rule:
        name:
            f"claim_{claim_id.replace('-', '_')}"
        input:
            **get_claim_tables(claim_id),
            # an input, not a parameter: editing the template re-renders every caption
            caption_template=workflow.source_path("../report/claim.rst"),
        output:
            csv=f"{RESULTS}/claims/{claim_id}.csv",
            json=f"{RESULTS}/claims/{claim_id}.json",
            rst=f"{RESULTS}/claims/{claim_id}.rst",
            png=report(
                f"{RESULTS}/claims/{claim_id}.png",
                caption=claim_caption(claim_id),
                category=claim_category(claim_id),
                labels=claim_labels(claim_id),
            ),
            svg=f"{RESULTS}/claims/{claim_id}.svg",
            conditions=f"{RESULTS}/claims/{claim_id}.conditions.csv",
        params:
            claim=claim_id,
            headline_dataset=config["grid"]["datasets"][0],
            # readable in the report; the script reads the settings themselves from the config
            settings=settings_text(config["claims"][claim_id]),
        log:
            f"{RESULTS}/logs/claims/{claim_id}.log",
        localrule: True
        conda:
            CONDA_ENV
        script:
            "../scripts/claim.py"


rule claims_table:
    """One row per claim: verdict, statistic, interval, threshold, n, classic source."""
    input:
        json=[f"{RESULTS}/claims/{c}.json" for c in CLAIM_IDS],
        png=[f"{RESULTS}/claims/{c}.png" for c in CLAIM_IDS],
    output:
        csv=f"{RESULTS}/claims.csv",
        # leads the report: one row per claim, the deciding number against its threshold
        png=report(
            f"{RESULTS}/claims.png",
            caption="../report/claims_summary.rst",
            category="0. Verdicts",
            labels={"view": "summary figure (start here)"},
        ),
        svg=f"{RESULTS}/claims.svg",
        html=report(
            f"{RESULTS}/claims.html",
            caption="../report/claims_table.rst",
            category="0. Verdicts",
            labels={"view": "table of all claims"},
        ),
    log:
        f"{RESULTS}/logs/claims_table.log",
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../scripts/claims_table.py"


rule conditions_table:
    """Where each claim holds: every claim's verdict per dataset and condition."""
    input:
        [f"{RESULTS}/claims/{c}.conditions.csv" for c in CLAIM_IDS],
    output:
        csv=f"{RESULTS}/conditions.csv",
        html=report(
            f"{RESULTS}/conditions.html",
            caption="../report/conditions.rst",
            category="0. Verdicts",
            labels={"table": "where each claim holds"},
        ),
    log:
        f"{RESULTS}/logs/conditions_table.log",
    localrule: True
    conda:
        CONDA_ENV
    script:
        "../scripts/conditions_table.py"
