from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

from dltips import preset_mark
from dltips.figures import save
from dltips.io import write_csv
from dltips.study_time import study_time
from dltips.time_figure import time_split

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    preset_mark.set_preset(snakemake.params.preset, snakemake.params.mark)
    study = study_time(snakemake.params.results, snakemake.params.cores)
    write_csv(snakemake.output.csv, study.table())
    png = Path(snakemake.output.png)
    save(time_split(study), png, png.with_suffix(".svg"))
