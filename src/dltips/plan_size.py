"""What a plan will train, counted in model-epochs (one model trained for one epoch) before any
training: its runs' epochs, and the rate search's and its confirmation's as planned.

Counted from the spec alone: what training then does differs by what only the scores decide
(dltips.tuning) -- fewer where a run or a candidate stops early (early stopping, a plateau,
divergence), more where the search extends a grid whose pick sits on its edge or keeps
candidates at chance past a cut -- the same way for any two plans of one protocol, whose
counts therefore compare."""

import math

from .contract import Job, TunedRate
from .tuning import conditions_of


def search_epochs(rate: TunedRate) -> int:
    """Model-epochs of one condition's search (every tuning seed) and confirmation."""
    alive, start, total = len(rate.grid), 0, 0
    for cut in sorted((rate.halving or {}).get("at", [])):
        total += alive * (cut - start)
        alive, start = max(1, math.ceil(rate.halving["keep"] * alive)), cut
    total += alive * (rate.tune_epochs - start)
    confirm = len(rate.confirm_seeds or []) * min(rate.confirm_epochs or rate.tune_epochs, rate.tune_epochs)
    return total * len(rate.tune_seeds) + confirm


def model_epochs(job: Job) -> dict[str, int]:
    """{"runs": its runs' epochs, "search": its rate search's and confirmation's (0 where the
    rate is fixed or the grid job's)}."""
    rate = job.learning_rate
    search = search_epochs(rate) * len(conditions_of(job)) if isinstance(rate, TunedRate) else 0
    return {"runs": len(job.runs) * job.training.epochs, "search": search}


def total(jobs: dict[str, Job]) -> dict[str, int]:
    """The plan's model-epochs: runs, search and their sum ("all")."""
    runs = sum(model_epochs(job)["runs"] for job in jobs.values())
    search = sum(model_epochs(job)["search"] for job in jobs.values())
    return {"runs": runs, "search": search, "all": runs + search}
