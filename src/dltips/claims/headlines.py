"""The kinds of headline condition: the one condition whose verdict is a claim's, named in its
settings (`headline`); every other condition is reported beside it. One definition per kind,
its fields, their types and checks; each claim gives its own defaults and why."""

import sys
from typing import Annotated, Literal

from pydantic import Field, create_model

from ..verdicts import Verdict
from .compose import no_condition
from .settings import ClaimSettings, setting

# a headline depth: a number, `deepest` (of the sweep) or `deepest_trained` (resolve_depth)
HeadlineDepth = Literal["deepest", "deepest_trained"] | Annotated[int, Field(ge=1)]
DEPTH_WHY = ("a depth of the sweep, its deepest, or the deepest at which the claim's net is not at chance "
             "(a claim without a chance floor reads that as its deepest)")


def resolve_depth(spec, depths, trained_depths=()) -> int | None:
    """A headline depth: a number, `deepest` (of the sweep) or `deepest_trained` (the deepest
    at which the claim's net is not at chance; the deepest where none is, or where the claim
    has no chance floor and so gives no `trained_depths`)."""
    depths, trained = sorted(set(depths)), sorted(set(trained_depths))
    if spec == "deepest":
        return int(depths[-1]) if depths else None
    if spec == "deepest_trained":
        return int(trained[-1]) if trained else (int(depths[-1]) if depths else None)
    return int(spec)


def headline_verdict(headline, depths, rule, statistic: str, trained_depths=()) -> Verdict:
    """The claim's rule in its headline condition: `rule(init, depth)` at the headline's init and
    its depth resolved on `depths`, the sweep's depths at that init (resolve_depth); where the
    sweep has none, the verdict of a condition without runs, named by `statistic`."""
    depth = resolve_depth(headline.depth, depths, trained_depths)
    if depth is None:
        return no_condition(statistic, dict(headline))
    return rule(headline.init, depth)


def init_depth_headline(init: str, init_why: str, depth: HeadlineDepth = "deepest", depth_why: str = ""):
    """The headline of a claim judged per init and depth of a sweep, with the claim's defaults:
    `init_why` says why that init, `depth_why` (optional) why that depth."""
    return create_model(
        "Headline", __base__=ClaimSettings,
        __doc__="The condition whose verdict is the claim's: an init and a depth of the sweep.",
        # the claim's module, as a class written there would have: pickle finds it by that name
        __module__=sys._getframe(1).f_globals["__name__"],
        init=(str, setting(init, init_why, registry="init")),
        depth=(HeadlineDepth, setting(depth, f"{DEPTH_WHY}; {depth_why}" if depth_why else DEPTH_WHY)))


class WidthAndRate(ClaimSettings):
    """A condition of the dropout sweep: a width and a hidden dropout rate."""

    width: int = setting(400, "a width of the dropout sweep", ge=1)
    dropout_hidden: float = setting(0.5, "a hidden dropout rate of the sweep", gt=0, lt=1)


def init_depth_of(headline, rows, trained=None) -> dict:
    """The condition an init x depth headline names in `rows` (a sweep's evidence, with init and
    depth columns): its init, at its depth (a number, the sweep's deepest at that init, or the
    deepest `trained(rows of that init)` lists: where the net is not at chance)."""
    mine = rows[rows.init == headline.init]
    depth = resolve_depth(headline.depth, mine.depth, trained(mine) if trained else ())
    return {"init": headline.init, "depth": depth or headline.depth}



def init_depth_reads(study: str, activations, headline) -> tuple[dict, ...]:
    """What a claim judged at an init x depth headline of a sweep reads of it: those activations at
    the headline's init and depth (a `deepest_trained` depth is known only once trained: every
    depth). Selectors: dltips.headline_runs."""
    return ({"study": study, "activation": activations, **dict(headline)},)


def dropout_eval_reads(headline: WidthAndRate) -> tuple[dict, ...]:
    """What a claim judged on dropout_eval at a (width, rate) headline reads: the dropout runs of
    that width and hidden rate the table evaluates. Selectors: dltips.headline_runs."""
    return ({"derived": "dropout_eval", "width": headline.width, "regularizer": "dropout",
             "reg_params": {"hidden": headline.dropout_hidden}},)
