"""Prints `NAME TOP_LEVEL ALL_STMTS` for every corpus program, as CPython's `ast` counts them.

The corpus, and each program's text, are what tests/python/record runs: its functions are used
here, so the two never disagree (programs/*.py, and the lessons that lessons.txt names with
their change made). TOP_LEVEL is `len(module.body)`; ALL_STMTS is the number of `ast.stmt`
nodes at every depth (`ast.walk`), which catches a parser that drops nested blocks.
Run from the repository root: python3.11 crates/asyncscope-python/tests/corpus_counts.py
"""
import ast
import runpy

record = runpy.run_path("tests/python/record")
print("# python3.11 crates/asyncscope-python/tests/corpus_counts.py > crates/asyncscope-python/tests/corpus_counts.txt")
for name in record["program_names"]([]):
    module = ast.parse(record["source"](name))
    nested = sum(isinstance(node, ast.stmt) for node in ast.walk(module))
    print(name, len(module.body), nested)
