"""Rule files of the user's own (config key `user_rules`; README: A rule of your own): where they
are, and which of their outputs the default target asks for."""

from pathlib import Path

from .config import ConfigError

# The report's section for their report() entries: after dltips' own sections (0.–5.), which
# Snakemake orders by name
CATEGORY = "6. Your own rules"


def files(names: list[str] | None) -> list[str]:
    """The listed rule files as absolute paths (relative ones from the working folder, as the
    config's other paths); a missing one is a ConfigError naming its key."""
    paths = []
    for i, name in enumerate(names or []):
        path = Path(name).resolve()
        if not path.is_file():
            raise ConfigError(f"config key 'user_rules[{i}]': no file {name!r} (looked at {path})")
        paths.append(str(path))
    return paths


def targets(rules) -> list[str]:
    """The outputs of `rules` (Snakemake rules) that the default target asks for: those of every
    rule whose output names no wildcard. A rule with wildcards in its output runs when another
    rule asks for one of its files."""
    return [str(path) for rule in rules if not rule.has_wildcards() for path in rule.output]
