"""The kinds of headline condition: the one condition whose verdict is a claim's, named in its
settings (`headline`); every other condition is reported beside it. One definition per kind,
its fields, their types and checks."""

from typing import Annotated, Literal

from pydantic import Field

from .settings import ClaimSettings, setting

# a headline depth: a number, `deepest` (of the sweep) or `deepest_trained` (resolve_depth)
HeadlineDepth = Literal["deepest", "deepest_trained"] | Annotated[int, Field(ge=1)]


def resolve_depth(spec, depths, trained_depths=()) -> int | None:
    """A headline depth: a number, `deepest` (of the sweep) or `deepest_trained` (the deepest
    at which the claim's net is not at chance)."""
    depths, trained = sorted(set(depths)), sorted(set(trained_depths))
    if spec == "deepest":
        return int(depths[-1]) if depths else None
    if spec == "deepest_trained":
        return int(trained[-1]) if trained else (int(depths[-1]) if depths else None)
    return int(spec)


class WidthAndRate(ClaimSettings):
    """A condition of the dropout sweep: a width and a hidden dropout rate."""

    width: int = setting(400, "a width of the dropout sweep", ge=1)
    dropout_hidden: float = setting(0.5, "a hidden dropout rate of the sweep", gt=0, lt=1)
