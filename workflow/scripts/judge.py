from dltips.claims import CLAIM_OUTPUTS, claim_key, get
from dltips.claims.conditions_map import write_maps
from dltips.claims.run import judge_all
from dltips.extensions import load as load_extensions
from dltips import preset_mark
from dltips.tied import split_tied

load_extensions(snakemake.config.get("extensions"))
# the rate look's tied tables (inputs tied_<name>, from the tied runs' tree); none: the look is n/a
tied = split_tied(dict(snakemake.input.items()))[1]
preset_mark.set_preset(snakemake.params.preset, snakemake.params.mark)  # the forked judges inherit it
out = snakemake.output
judge_all(
    {
        claim_id: {
            "tables": {name: snakemake.input[name] for name in get(claim_id).tables},
            "settings": snakemake.config["claims"][claim_id],
            "out": {kind: out[f"{claim_key(claim_id)}_{kind}"] for kind in CLAIM_OUTPUTS},
        }
        for claim_id in snakemake.params.settings
    },
    logs={claim_id: snakemake.log[claim_key(claim_id)] for claim_id in snakemake.params.settings},
    summary={name: out[name] for name in ("claims_csv", "claims_html", "claims_png", "claims_svg",
                                          "conditions_csv", "conditions_html")},
    caption_template=snakemake.input.caption_template,
    headline_dataset=snakemake.params.headline_dataset,
    workers=snakemake.threads,
    partial=snakemake.params.trains == "headlines",
    rates={"tables": tied, "runs": snakemake.input.get("runs"),
           "strength": snakemake.params.rate_look_strength},
    other_machine=snakemake.params.machine_look,
)
write_maps(out.conditions_csv, out.conditions_maps)
