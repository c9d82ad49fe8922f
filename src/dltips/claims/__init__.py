"""One module per claim of the lecture notes (shared/CLAIMS.md), each registering a Claim.

A claim turns tables (results/tables/*.csv) -- or, for toy and exact checks, its own small
computation -- into evidence (named tables), a verdict (dltips.verdicts) and a figure. Its
module is the one place it lives: its typed settings (claims.settings: defaults, ranges, why),
the tables it reads, its report section and, where it reads layer statistics or training
curves, which (training records them only there). Adding a claim: a module here (or a file
listed under `extensions:` in config.yaml) that defines its parts under their conventional names
and ends with `CLAIM = declare(__name__, title=..., ...)` (or registers a `Claim` it builds itself),
and a block `claims.<id>:` in config.yaml naming what the study changes of its defaults ({} for none).
Claim modules import the heavy libraries lazily (dltips.lazy), so the workflow can read
every claim's declarations at parse time without loading torch.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..registry import Registry

from .grids import Grid
from .settings import ClaimSettings

if TYPE_CHECKING:  # the workflow reads the claims at parse time: keep this free of scipy/torch
    import pandas as pd

    from ..verdicts import Verdict
    from .evidence import Evidence

TRAINING, TEST = "3. Training-side tips", "4. Test-side tips"
DIAGNOSIS = "2. Diagnosis"
EXTENSIONS = "5. Other claims"


@dataclass(frozen=True)
class LayerReads:
    """The per-layer statistics (layers.csv) a claim reads, so that training records them there
    and nowhere else: its studies and epochs, each a field of the claim's settings or a fixed
    epoch; a run's last epoch is always recorded. `every_epoch`: it draws the whole course of
    training in its first study."""

    studies: tuple[str, ...] = ("study",)
    epochs: tuple[str | int, ...] = (0,)
    every_epoch: bool = False


@dataclass(frozen=True)
class Claim:
    """What a claim declares; the runner (claims.runner) judges it: it names the headline
    condition, applies `rule` there and in every condition of `grids`, and takes the looks."""

    id: str
    title: str  # the claim, in one sentence
    source: str  # the classic source: paper and section
    # (tables, settings) -> evidence: named tables (claims.evidence)
    evidence: Callable[[dict[str, pd.DataFrame], ClaimSettings], Evidence]
    # (tables, evidence, verdict, settings) -> matplotlib Figure
    figure: Callable[[dict[str, pd.DataFrame], Evidence, Verdict, ClaimSettings], object]
    # (one condition's evidence, settings) -> its Verdict, parts named (Verdict.part); the
    # whole evidence where the claim has no grids
    rule: Callable[[Evidence, ClaimSettings], Verdict]
    grids: tuple[Grid, ...] = ()  # the conditions it is judged in (claims.grids); none: once per dataset
    # (evidence, settings) -> the headline condition, where it depends on the data (e.g. the
    # deepest depth that trains); None: the settings' `headline`, its unset axes left out
    headline: Callable[[Evidence, ClaimSettings], dict] | None = None
    # (verdicts of the conditions inside a headline that spans several, settings) -> one; None: all_of
    combine: Callable | None = None
    findings: Callable[[Evidence], str] | None = None  # where it holds, if not the runner's sentence
    figure_text: str = ""  # what the figure shows, for its report caption
    settings: type[ClaimSettings] = ClaimSettings  # its typed settings: defaults, ranges, why (none by default)
    tables: tuple[str, ...] = ()  # names under results/tables/ that its evidence reads
    category: str = EXTENSIONS  # its section of the report
    layers: LayerReads | None = None  # what it reads of the "layers" table
    # settings fields naming the studies whose every epoch of the "epochs" table it reads (train
    # and test too); elsewhere those splits are evaluated only where a run's summary reads them
    curves: tuple[str, ...] = ()
    # (settings) -> the runs its headline verdict reads, as selectors (dltips.headline_runs): what
    # the quick preset trains of it; () for none (toy problems, exact checks); None: undeclared,
    # and a study that trains only the headlines' runs refuses the claim
    reads: Callable[[ClaimSettings], tuple[dict, ...]] | None = None


CLAIMS: Registry[Claim] = Registry("claim")


def register(claim: Claim) -> Claim:
    """Add `claim` to the registry; the settings its layer and curve reads name must be fields
    of its Settings (a misspelt one would silently record nothing for it)."""
    named = [*(claim.layers.studies if claim.layers else ()),
             *(e for e in (claim.layers.epochs if claim.layers else ()) if isinstance(e, str)), *claim.curves]
    unknown = [name for name in named if name not in claim.settings.model_fields]
    if unknown:
        raise ValueError(f"claim {claim.id!r}: its layer or curve reads name {unknown}, which are not fields of its "
                         f"settings ({', '.join(claim.settings.model_fields) or 'none'})")
    return CLAIMS.register(claim.id, claim)


# A claim module's names for the parts of its Claim that `declare` reads (field: name): the
# field's own name, in capitals for a constant and capitalised for a class.
CONVENTIONAL_NAMES = {"id": "ID", "evidence": "evidence", "rule": "rule", "figure": "figure", "settings": "Settings",
                      "grids": "GRIDS", "headline": "headline", "combine": "combine", "findings": "findings",
                      "reads": "reads"}
REQUIRED_NAMES = ("ID", "evidence", "rule", "figure")


def declare(module: str, **fields) -> Claim:
    """Register the claim that the module named `module` (its `__name__`) declares by convention:
    its `ID`, `evidence`, `rule` and `figure`, and where it defines them its `Settings`, `GRIDS`,
    `headline` resolver, `combine`, `findings` and `reads` (CONVENTIONAL_NAMES); `fields` gives
    the rest (title, source, figure_text, tables, category, layers, curves, a `reads` written
    in place)."""
    namespace = vars(sys.modules[module])
    absent = [name for name in REQUIRED_NAMES if name not in namespace]
    if absent:
        raise ValueError(f"claim module {module!r} defines no {', '.join(absent)}: a claim declared by its module "
                         f"names its parts {', '.join(REQUIRED_NAMES)} (and, where it has them, "
                         f"{', '.join(n for n in CONVENTIONAL_NAMES.values() if n not in REQUIRED_NAMES)})")
    conventional = {field: namespace[name] for field, name in CONVENTIONAL_NAMES.items() if name in namespace}
    twice = sorted(set(conventional) & set(fields))
    if twice:
        raise ValueError(f"claim module {module!r}: {twice} given as arguments although the module defines "
                         f"{[CONVENTIONAL_NAMES[f] for f in twice]}, which declare them")
    return register(Claim(**conventional, **fields))


# what judging a claim writes: results/claims/<id>.<suffix>
CLAIM_OUTPUTS = {"csv": "csv", "json": "json", "rst": "rst", "png": "png", "svg": "svg",
                 "conditions": "conditions.csv"}


def load() -> Registry[Claim]:
    """Every claim of this package, registered (extensions register theirs when loaded)."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return CLAIMS


def get(claim_id: str) -> Claim:
    return load()[claim_id]


def settings_of(claim_id: str, given: dict | None = None):
    """The claim's typed settings: its defaults, updated by `given` (its config block)."""
    return get(claim_id).settings.model_validate(given or {})


def layer_schedule(claims_config: dict) -> dict[str, dict]:
    """study -> {"epochs": the epochs some claim reads its layer statistics at, "every_epoch":
    whether one draws them all}, from the judged claims' declarations (Claim.layers) and their
    settings; a study no claim reads is absent (its runs record no layer statistics)."""
    schedule: dict[str, dict] = {}
    for claim_id, given in claims_config.items():
        reads = get(claim_id).layers
        if reads is None:
            continue
        settings = settings_of(claim_id, given)
        epochs = {getattr(settings, e) if isinstance(e, str) else e for e in reads.epochs}
        studies = [getattr(settings, key) for key in reads.studies if hasattr(settings, key)]
        for n, study in enumerate(studies):
            entry_for = schedule.setdefault(study, {"epochs": set(), "every_epoch": False})
            entry_for["epochs"] |= epochs
            entry_for["every_epoch"] |= reads.every_epoch and n == 0
    return {study: {"epochs": sorted(s["epochs"]), "every_epoch": s["every_epoch"]} for study, s in schedule.items()}


def curve_studies(claims_config: dict) -> set[str]:
    """The studies some judged claim reads every epoch of (Claim.curves), by its settings."""
    return {getattr(settings, key) for claim_id, given in claims_config.items()
            for settings in [settings_of(claim_id, given)] for key in get(claim_id).curves if hasattr(settings, key)}


def claim_key(claim_id: str) -> str:
    """A claim's name as an identifier (its outputs' and log's names in the judge step)."""
    return claim_id.replace("-", "_")
