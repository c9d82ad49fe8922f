"""A claim's settings: one typed class per claim, the one place its defaults, ranges and the
why of each live.

A claim module declares `class Settings(ClaimSettings)` with a `setting(default, why, ...)`
per field. From it come the defaults (config.yaml's `claims.<id>` holds only what a study
changes), the claim's fragment of the config schema (checked before anything trains, with
the schema's readable errors) and the typed object every function of the claim reads
(`settings.min_gain`, not `settings["min_gain"]`). Tests build settings the same way.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class ClaimSettings(BaseModel):
    """Frozen, and strict about keys: a misspelt setting is an error, never silently ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)

    def replace(self, **changes: Any) -> Self:
        """A copy with `changes`, validated like the config (nested settings as mappings)."""
        return type(self).model_validate(self.model_dump() | changes)


def setting(default: Any, why: str, **limits: Any) -> Any:
    """A field: its default, one line of why (the schema's description, shown in errors and
    docs), and pydantic's limits (ge, gt, le, lt, min_length, ...). `registry="activation"`
    checks the value (or each item of a list) against that registry's names."""
    registry = limits.pop("registry", None)
    extra = {"x-registry": registry} if registry else {}
    # pydantic copies a mutable default for each instance, and writes it into the schema,
    # where the config's validator fills it in
    return Field(default, description=why, json_schema_extra=extra or None, **limits)


def registered(kind: str) -> dict:
    """For the items of a list setting: each a registered `kind` (`Annotated[str, registered(...)]`)."""
    return Field(json_schema_extra={"x-registry": kind})


class _Distinct:
    """A list whose items differ: the schema says so (uniqueItems), the settings check it."""

    @staticmethod
    def __get_pydantic_json_schema__(core_schema, handler):
        return {**handler(core_schema), "uniqueItems": True}

    @staticmethod
    def check(items: list) -> list:
        if len(set(items)) != len(items):
            raise ValueError(f"{items} has non-unique elements")
        return items


def distinct(item: Any) -> Any:
    """The type of a list setting whose items must differ (e.g. studies, activations)."""
    return Annotated[list[item], _Distinct(), AfterValidator(_Distinct.check)]


# a runs.csv accuracy column a claim may compare (the trainer writes final_/best_ per split)
RunMetric = Literal["final_test_accuracy", "best_test_accuracy", "final_val_accuracy", "best_val_accuracy"]


def schema_fragment(settings: type[ClaimSettings], name: str) -> tuple[dict, dict]:
    """(the claim's schema, the definitions it refers to): its nested classes' definitions
    are named after the claim (`<name>.<Class>`), so every claim's can sit side by side under
    the config schema's $defs."""
    schema = settings.model_json_schema(ref_template=f"#/$defs/{name}.{{model}}")
    defs = {f"{name}.{key}": value for key, value in schema.pop("$defs", {}).items()}
    return _with_defaults_required(schema), {k: _with_defaults_required(v) for k, v in defs.items()}


def _with_defaults_required(schema: dict) -> dict:
    """Every field has a default, so none is required; a nested setting's mapping is filled
    with its own defaults by the validator (config.py)."""
    schema = dict(schema)
    schema.pop("required", None)
    schema["additionalProperties"] = False
    return schema


def settings_text(settings: ClaimSettings | dict, prefix: str = "") -> str:
    """A claim's settings on one readable line ('min_gain: 0.02; variants: elu, prelu;
    exact_check.tolerance: 1e-06'): what the report shows under the job's parameters, and,
    being a parameter, what reruns the claim when a setting changes."""
    values = settings.model_dump() if isinstance(settings, BaseModel) else settings
    items = []
    for key, value in values.items():
        if isinstance(value, dict):
            items.append(settings_text(value, f"{prefix}{key}."))
        elif isinstance(value, (list, tuple)):
            items.append(f"{prefix}{key}: {', '.join(map(str, value))}")
        else:
            items.append(f"{prefix}{key}: {value}")
    return "; ".join(items)
