#!/usr/bin/env python3
"""Replaces one marked section of BENCHMARKS.md with stdin, keeping the others.

Usage: bench_section.py NAME < section.md  — the section lies between
<!-- NAME:begin --> and <!-- NAME:end --> and is appended when missing.
"""
import pathlib
import sys

name = sys.argv[1]
path = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "BENCHMARKS.md")
begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
body = f"{begin}\n{sys.stdin.read().strip()}\n{end}\n"
text = path.read_text() if path.exists() else "# Benchmarks\n"
if begin in text and end in text:
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    text = head + body + tail.lstrip("\n")
else:
    text = text.rstrip("\n") + "\n\n" + body
path.write_text(text)
