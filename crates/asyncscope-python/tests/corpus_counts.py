"""Prints `NAME TOP_LEVEL ALL_STMTS` for every corpus program, as CPython's `ast` counts them.

NAME is the file name without `.py`; TOP_LEVEL is `len(module.body)`; ALL_STMTS is the number of
`ast.stmt` nodes at every depth (`ast.walk`), which catches a parser that drops nested blocks.
Run from the repository root: python3.11 crates/asyncscope-python/tests/corpus_counts.py
"""
import ast
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "tests/python/programs")
print("# python3.11 crates/asyncscope-python/tests/corpus_counts.py > crates/asyncscope-python/tests/corpus_counts.txt")
for path in sorted(root.glob("*.py")):
    module = ast.parse(path.read_text(encoding="utf-8"))
    nested = sum(isinstance(node, ast.stmt) for node in ast.walk(module))
    print(path.stem, len(module.body), nested)
