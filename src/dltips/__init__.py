"""dltips: an ablation study of the classic "Tips for Deep Learning".

The package mirrors the data flow: data -> model pieces (activations, init, model) ->
training (optimizers, regularizers, trainer) -> collection -> claims -> report.
Modules that only declare registries import torch lazily, so the Snakefile can validate a
config against them without paying for torch at parse time.
"""

__version__ = "0.1.0"
