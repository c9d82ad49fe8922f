"""Validate a config before anything trains: one readable line per problem.

The JSON schema in workflow/schemas/ gives structure, types and ranges; names marked
`x-registry` (list items) or `x-registry-keys` (mapping keys) are checked against the
package's registries, so the allowed values always match what is registered. The training
settings and each claim's settings are checked by the schema their typed settings class
generates (training_settings, claims.settings).
"""

import copy
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError
from pydantic import ValidationError as SettingsError

from . import claims, training_settings
from .activations import ACTIVATIONS
from .claims.settings import schema_fragment
from .data import DATASETS
from .inits import INITS
from .optimizers import OPTIMIZERS
from .regularizers import REGULARIZERS

REGISTRIES = {
    "activation": ACTIVATIONS,
    "claim": claims.CLAIMS,
    "dataset": DATASETS,
    "init": INITS,
    "optimizer": OPTIMIZERS,
    "regularizer": REGULARIZERS,
}


class ConfigError(ValueError):
    pass


def _registry_check(validator, kind, instance, schema):
    if isinstance(instance, str) and instance not in REGISTRIES[kind]:
        yield ValidationError(
            f"{instance!r} is not a known {kind}; allowed values: {', '.join(REGISTRIES[kind].names())}"
        )


def _registry_keys_check(validator, kind, instance, schema):
    """Every key of the mapping is a registered name, or one the schema declares itself."""
    declared = list(schema.get("properties", {}))
    if isinstance(instance, dict):
        for key in instance:
            if key not in declared and key not in REGISTRIES[kind]:
                allowed = list(dict.fromkeys(declared + REGISTRIES[kind].names()))
                yield ValidationError(f"{key!r} is not a known {kind}; allowed keys: {', '.join(allowed)}", path=[key])


def _fill_defaults(validator, properties, instance, schema):
    """Fill `default`s of absent properties, then validate as usual (jsonschema FAQ recipe)."""
    if isinstance(instance, dict):
        for name, sub in properties.items():
            if isinstance(sub, dict) and "default" in sub and name not in instance:
                instance[name] = copy.deepcopy(sub["default"])
    yield from Draft202012Validator.VALIDATORS["properties"](validator, properties, instance, schema)


Validator = validators.extend(
    Draft202012Validator,
    {"x-registry": _registry_check, "x-registry-keys": _registry_keys_check, "properties": _fill_defaults},
)


def _key(error) -> str:
    key = ""
    for part in error.absolute_path:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    return key or "(top level)"


def _describe(error) -> str:
    v, value, s = error.validator, error.instance, error.schema if isinstance(error.schema, dict) else {}
    where = f"config key '{_key(error)}'"
    if v in ("x-registry", "x-registry-keys"):
        return f"{where}: {error.message}"
    if v == "enum":
        return f"{where}: {value!r} is not allowed; allowed values: {', '.join(map(str, s['enum']))}"
    if v in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        bounds = {
            "minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<",
        }
        allowed = " and ".join(f"{bounds[b]} {s[b]}" for b in bounds if b in s)
        return f"{where}: {value!r} is out of range; allowed: {allowed}"
    if v == "minItems":
        return f"{where}: {value!r} is empty; give at least {s['minItems']} value(s)"
    if v in ("additionalProperties", "unevaluatedProperties"):
        known = sorted(s.get("properties", {}))
        return f"{where}: {error.message}" + (f"; allowed keys: {', '.join(known)}" if known else "")
    if v == "required":
        return f"{where}: {error.message}"
    if v == "type":
        return f"{where}: {value!r} has the wrong type; allowed: {s['type']}"
    if v == "anyOf":
        kinds = [e.schema.get("type") for e in error.context if isinstance(e.schema, dict)]
        return f"{where}: {value!r} has the wrong type; allowed: {' or '.join(map(str, kinds))}"
    if v == "oneOf" and "seeds" in _key(error):
        return f"{where}: {value!r} is not a number of seeds (>= 1) or a non-empty list of distinct seeds >= 0"
    return f"{where}: {value!r}: {error.message}"


def _leaves(errors):
    for error in errors:
        if error.context and error.validator == "allOf":
            yield from _leaves(error.context)
        elif error.context and error.validator == "anyOf":
            # a value or a list of values: the alternative whose type the value has is the one
            # meant, so its errors are the ones to report
            meant = [e for e in error.context if e.validator != "type"]
            if meant:
                yield from _leaves(meant)
            else:
                yield error  # of no alternative's type: described as such
        else:
            yield error


def check_yaml(path) -> None:
    """Raise ConfigError naming the line and column where a config file stops being YAML
    (Snakemake's own message says only that the file is invalid)."""
    path = Path(path)
    if not path.exists():
        return
    try:
        yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None


def load_schema(path) -> dict:
    """The config schema, with the training settings' schema under `training` (and a sweep's
    `training`) and every registered claim's settings schema under `claims`."""
    schema = yaml.safe_load(Path(path).read_text())
    block, sweep = training_settings.config_schemas()
    schema["properties"]["training"].update(block)
    schema["$defs"]["sweep_training"] = sweep
    declared = schema["properties"]["claims"].setdefault("properties", {})
    for claim_id, claim in claims.load().items():
        declared[claim_id], defs = schema_fragment(claim.settings, claim_id)
        schema["$defs"].update(defs)
    return schema


def deep_merge(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def apply_preset(config: dict) -> dict:
    name = config.get("preset", "default")
    presets = config.get("presets") or {}
    if name == "default":
        return config
    if name not in presets:
        raise ConfigError(
            f"config key 'preset': {name!r} is not allowed; allowed values: default, {', '.join(presets)}"
        )
    return deep_merge(config, presets[name])


def validate(config: dict, schema_path) -> dict:
    """The config with its preset applied and defaults filled; ConfigError lists every problem.
    Every other preset of the file (and the file without one) is checked too, so a misspelt
    name is refused whichever preset runs, even where the chosen preset overrides it."""
    if not isinstance(config, dict):
        raise ConfigError(f"config: expected a mapping of keys to values, got {type(config).__name__}")
    chosen = config.get("preset", "default")
    applied = apply_preset(copy.deepcopy(config))
    validator = Validator(load_schema(schema_path))
    problems = _problems(validator, applied)
    for other in ["default", *(config.get("presets") or {})]:
        if other != chosen and not problems:
            problems = [f"under preset {other!r}: {p}"
                        for p in _problems(validator, apply_preset({**copy.deepcopy(config), "preset": other}))]
    if problems:
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(problems))
    return applied


def _problems(validator, config: dict) -> list[str]:
    return (sorted({_describe(e) for e in _leaves(validator.iter_errors(config))})
            or _mark_rule(config) + _claim_rules(config) + _machine_rule(config))


def _machine_rule(config: dict) -> list[str]:
    """machine_look.results names a finished, judged study other than this one."""
    from .claims.machines import check_folder

    return check_folder(config["machine_look"]["results"], config.get("results"))


def _mark_rule(config: dict) -> list[str]:
    """The default study carries no mark: one given at the top would be shown nowhere."""
    if config.get("preset", "default") == "default" and config.get("mark"):
        return [f"config key 'mark': {config['mark']!r} is given to the default study, which carries no mark; "
                "give it under presets.<name>.mark"]
    return []


def narrowed(config: dict) -> list[str]:
    """What the chosen preset trains of each grid axis the file gives (e.g. smoke's
    grid.activations): one line per axis the preset narrows, naming what it leaves out (an
    extension's entry listed in the file's grid among them, until the preset lists it too)."""
    name = config.get("preset", "default")
    preset = (config.get("presets") or {}).get(name)
    if name == "default" or not preset:
        return []

    def lists(given: dict, base: dict, path: str):
        for key, value in given.items():
            here, own = f"{path}{key}", base.get(key) if isinstance(base, dict) else None
            if isinstance(value, dict):
                yield from lists(value, own, here + ".")
            elif isinstance(value, list) and isinstance(own, list):  # seeds, a count, is no list
                left_out = [item for item in own if item not in value]
                if left_out:
                    yield (f"preset {name!r} trains {here}: {', '.join(map(str, value))}; it leaves out "
                           f"{', '.join(map(str, left_out))} (give them in presets.{name}.{here} to train them there)")

    return list(lists({"grid": preset.get("grid") or {}}, config, ""))


def _claim_rules(config: dict) -> list[str]:
    """What a claim's settings class checks beyond its schema (a rule across its fields)."""
    problems = []
    for claim_id, given in config["claims"].items():
        try:
            claims.settings_of(claim_id, given)
        except SettingsError as error:
            for e in error.errors():
                where = ".".join(["claims", claim_id, *map(str, e["loc"])])
                problems.append(f"config key '{where}': {e['msg']}")
    return problems
