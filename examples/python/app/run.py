#!/usr/bin/env python3
"""Summarise every input file the input list names.

The TRE mounts the project's data at /safe_data, keeps only what is written to
/safe_outputs, and gives temporary space at /scratch (TMPDIR points there).
The names of the inputs come from a list file, never from the code, so the
same image runs on other data without a rebuild.

Usage: run.py [INPUT_LIST]   (default: $TRE_INPUT_LIST, else /safe_data/inputs.txt)
"""
import csv
import os
import sys

DATA = "/safe_data"
OUTPUTS = "/safe_outputs"


def input_names(list_path):
    """The file names the list holds: one a line, blank lines and # comments skipped."""
    with open(list_path, encoding="utf-8") as handle:
        lines = (line.strip() for line in handle)
        return [line for line in lines if line and not line.startswith("#")]


def summarise(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, records = (rows[0], rows[1:]) if rows else ([], [])
    return len(records), len(header)


def main(argv):
    list_path = argv[1] if len(argv) > 1 else os.environ.get("TRE_INPUT_LIST", os.path.join(DATA, "inputs.txt"))
    names = input_names(list_path)
    if not names:
        print(f"{list_path} names no inputs", file=sys.stderr)
        return 1
    with open(os.path.join(OUTPUTS, "summary.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["input", "rows", "columns"])
        for name in names:
            writer.writerow([name, *summarise(os.path.join(DATA, name))])
    print(f"summarised {len(names)} input(s) into {OUTPUTS}/summary.csv")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
