# The script of this folder's own rule: what a user writes, reading dltips' runs.csv and drawing
# with dltips' figure style (dltips.figures.save marks a smoke study's figure as such).
from contextlib import redirect_stderr, redirect_stdout

import pandas as pd
import seaborn as sns

from dltips import preset_mark
from dltips.figures import MIN_FONT, save

with open(snakemake.log[0], "w") as log, redirect_stdout(log), redirect_stderr(log):
    preset_mark.set_preset(snakemake.config["preset"], snakemake.config.get("mark", ""))
    runs = pd.read_csv(snakemake.input.runs)
    grid = runs[(runs.study == "grid") & ~runs.diverged.astype(bool)]  # a diverged run's accuracy is a frozen model's
    plot = sns.catplot(grid, x="optimizer", y="final_test_accuracy", hue="activation", col="dataset", kind="strip",
                       height=3.5, aspect=1.2)
    plot.set_axis_labels("optimizer", "final test accuracy (fraction)")
    plot.tick_params(labelsize=MIN_FONT)
    plot.set_titles("{col_name}")
    plot.figure.suptitle("Final test accuracy per optimizer (a dot per grid run)", fontsize=11)
    plot.tight_layout()  # again, with the title
    save(plot.figure, snakemake.output.png, snakemake.output.svg)
