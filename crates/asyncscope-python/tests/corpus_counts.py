"""Prints `NAME TOP_LEVEL ALL_STMTS` for every corpus program, as CPython's `ast` counts them.

The corpus is tests/python/programs/*.py and the lessons' Python that tests/python/lessons.txt
names (its file as it is: a variant changes one constant's value, never a statement). NAME is
the program's name; TOP_LEVEL is `len(module.body)`; ALL_STMTS is the number of `ast.stmt`
nodes at every depth (`ast.walk`), which catches a parser that drops nested blocks.
Run from the repository root: python3.11 crates/asyncscope-python/tests/corpus_counts.py
"""
import ast
import pathlib

corpus = pathlib.Path("tests/python")
programs = {path.stem: path for path in (corpus / "programs").glob("*.py")}
for line in (corpus / "lessons.txt").read_text(encoding="utf-8").splitlines():
    if line.strip() and not line.startswith("#"):
        name, file = [field.strip() for field in line.split(" | ")[:2]]
        programs[name] = pathlib.Path(file)
print("# python3.11 crates/asyncscope-python/tests/corpus_counts.py > crates/asyncscope-python/tests/corpus_counts.txt")
for name, path in sorted(programs.items()):
    module = ast.parse(path.read_text(encoding="utf-8"))
    nested = sum(isinstance(node, ast.stmt) for node in ast.walk(module))
    print(name, len(module.body), nested)
