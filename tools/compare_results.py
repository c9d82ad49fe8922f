"""Whether two finished studies have the same results (dltips.same_results): every table,
claims.csv, conditions.csv and claims/*.json, their timing columns apart.

    .venv/bin/python tools/compare_results.py results/smoke /tmp/smoke-before

Prints how many result files were compared and each that differs; exits 1 if one does.
"""

import argparse
import sys
from pathlib import Path

from dltips.same_results import differences, result_files


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a", type=Path, help="a study's results folder, e.g. results/smoke")
    parser.add_argument("b", type=Path, help="the other's")
    args = parser.parse_args(argv)
    found = differences(args.a, args.b)
    compared = len(result_files(args.a) | result_files(args.b))
    for line in found:
        print(line)
    print(f"{compared} result files compared, {len(found)} differ")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
