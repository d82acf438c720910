#!/usr/bin/env python3
"""Differential check of `tre-lint parse --format json` against the reference parser on random Dockerfiles.

Generates Dockerfiles from instruction-shaped fragments (continuations with both escape characters,
comments, CRLF, heredocs, JSON and shell forms, flags, quotes, variables), parses each with the PyPI
`dockerfile` package (BuildKit v0.12.5) and with tre-lint, and prints every disagreement. Inputs where
v0.12.5 is known to differ from current BuildKit (`# check=`, ONBUILD with flags or heredocs,
non-ASCII flags) are not generated.

Usage: ~/.cache/tre-lint-venv/bin/python scripts/parser-differential.py [--seed N] [--count N] [--tre-lint PATH]
Exit status 1 when any case disagrees.
"""
import argparse
import json
import pathlib
import random
import subprocess
import sys
import tempfile

import dockerfile

WORDS = ["a", "b c", "\"q r\"", "'s t'", "x=y", "k=\"v w\"", "$V", "${V:-d}", "\\\"", "\\ ", "--f=1",
         "--mount=type=cache,target=/x", "--", "[\"j\"]", "[\"j\", \"k\"]", "[1]", "[\"u\\u00e9\"]", "<<EOF",
         "<<-EOF", "<<'EOF'", "3<<EOF", "<<E1", "<<\"E2\"", "&&", "|", "#x", "\t", "`", "\\", "[", "]", "{",
         "null", "$", "${", "}", "=", "<<", "'", "\""]
COMMANDS = ["FROM", "RUN", "CMD", "COPY", "ADD", "ENV", "ARG", "LABEL", "HEALTHCHECK", "EXPOSE", "VOLUME",
            "USER", "WORKDIR", "SHELL", "ENTRYPOINT", "STOPSIGNAL", "MAINTAINER", "run", "copy", "BOGUS",
            "ONBUILD RUN", "ONBUILD CMD", "ONBUILD ENV", "HEALTHCHECK CMD", "HEALTHCHECK NONE", "\\", ""]
LINES = ["EOF", "\tEOF", "E1", "E2", " EOF", "EOF ", "body", "\tbody", "", "# c", "RUN x", "   ", "\\"]
SEPARATORS = [" ", "  ", "\t", " \\\n  ", " `\n ", " \\\n# c\n  ", " \\\n\n ", "\\\n", "\x0b", "\x0c"]
DIRECTIVES = ["# escape=`", "# syntax=x", "# escape=\\", "#escape = `", "# escape=x"]


def generate(rng):
    lines = []
    if rng.random() < 0.2:
        lines.append(rng.choice(DIRECTIVES))
    for _ in range(rng.randint(1, 8)):
        if rng.random() < 0.2:
            lines.append(rng.choice(LINES))
            continue
        line = rng.choice(COMMANDS)
        for _ in range(rng.randint(0, 6)):
            line += rng.choice(SEPARATORS) + rng.choice(WORDS)
        lines.append(line)
    text = rng.choice(["\n", "\r\n"]).join(lines) + rng.choice(["", "\n"])
    if rng.random() < 0.05:
        text = "\ufeff" + text
    return text


def reference(path):
    try:
        commands = dockerfile.parse_file(str(path))
    except dockerfile.GoParseError as error:
        return None, str(error)
    return [{"cmd": c.cmd, "sub_cmd": c.sub_cmd, "json": c.json, "original": c.original,
             "start_line": c.start_line, "end_line": c.end_line, "flags": list(c.flags),
             "value": list(c.value),
             "heredocs": [{"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content}
                          for h in c.heredocs]} for c in commands], None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=1000)
    root = pathlib.Path(__file__).resolve().parent.parent
    parser.add_argument("--tre-lint", default=str(root / ".build/debug/tre-lint"))
    options = parser.parse_args()
    rng = random.Random(options.seed)
    disagreements = 0
    checked = 0
    with tempfile.TemporaryDirectory() as work:
        path = pathlib.Path(work) / "Dockerfile"
        for _ in range(options.count):
            text = generate(rng)
            if "ONBUILD" in text and ("--" in text or "<<" in text):
                continue
            path.write_bytes(text.encode("utf-8"))
            expected, expected_error = reference(path)
            run = subprocess.run([options.tre_lint, "parse", str(path), "--format", "json"], capture_output=True)
            checked += 1
            stderr = run.stderr.decode("utf-8", "replace")
            if expected_error is not None:
                ok = run.returncode == 2 and expected_error in stderr
            else:
                ok = run.returncode == 0 and json.loads(run.stdout) == expected
            if not ok:
                disagreements += 1
                print(f"DISAGREE {text!r}\n  reference: {expected_error or expected}\n"
                      f"  tre-lint (exit {run.returncode}): {run.stdout.decode()[:500]}{stderr[:300]}")
    print(f"{checked} Dockerfiles, {disagreements} disagreements")
    sys.exit(1 if disagreements else 0)


if __name__ == "__main__":
    main()
