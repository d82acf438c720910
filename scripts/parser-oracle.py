#!/usr/bin/env python3
"""Regenerates the expected parser output of the Dockerfile corpus with the reference parser.

The PyPI package `dockerfile` (3.4.0) wraps BuildKit v0.12.5's parser. For every
Tests/DockerfileKitTests/Corpus/oracle/NAME.Dockerfile this writes NAME.json (the
instruction list, in `tre-lint parse --format json`'s layout) or NAME.error (the
message of a rejection). Files under Corpus/current/ show where current BuildKit
differs from v0.12.5 (`# check=`, ONBUILD sub-instruction flags and heredocs,
non-ASCII flags); their expectations are hand-checked and left alone here.

Usage: ~/.cache/tre-lint-venv/bin/python scripts/parser-oracle.py
"""
import json
import pathlib
import sys

try:
    import dockerfile
except ImportError:
    sys.exit("the reference parser is missing: python3 -m venv ~/.cache/tre-lint-venv && "
             "~/.cache/tre-lint-venv/bin/pip install dockerfile==3.4.0")

CORPUS = pathlib.Path(__file__).resolve().parent.parent / "Tests/DockerfileKitTests/Corpus/oracle"


def command_json(command):
    return {
        "cmd": command.cmd,
        "sub_cmd": command.sub_cmd,
        "json": command.json,
        "original": command.original,
        "start_line": command.start_line,
        "end_line": command.end_line,
        "flags": list(command.flags),
        "value": list(command.value),
        "heredocs": [
            {"name": h.name, "file_descriptor": h.file_descriptor, "content": h.content}
            for h in command.heredocs
        ],
    }


def render(commands):
    lines = ["  " + json.dumps(command_json(c), ensure_ascii=False) for c in commands]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def main():
    written = 0
    for stale in list(CORPUS.glob("*.json")) + list(CORPUS.glob("*.error")):
        stale.unlink()
    for path in sorted(CORPUS.glob("*.Dockerfile")):
        stem = path.name[: -len(".Dockerfile")]
        try:
            commands = dockerfile.parse_file(str(path))
        except dockerfile.GoParseError as error:
            (CORPUS / f"{stem}.error").write_text(f"{error}\n", encoding="utf-8")
        else:
            (CORPUS / f"{stem}.json").write_text(render(commands), encoding="utf-8")
        written += 1
    print(f"regenerated {written} expectations in {CORPUS}")


if __name__ == "__main__":
    main()
