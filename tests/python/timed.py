"""Runs one program as __main__ and writes, to the real stdout, the body of its .out:
each line the program prints as `<ms>\t<text>` the moment the line is completed, then
`raised\t<last line of the traceback>` if an exception escaped, then `end <ms> exit=<code>`.

Usage: python3.11 timed.py PROGRAM.py   (tests/python/record runs it; see README.md)

The clock (time.perf_counter) starts just before the program's first statement. The
modules the program imports at its top level are imported before that, so that CPython's
import cost (which the Rust interpreter does not have) is not in the times. The first line
written is `python <version>`, for the recorder's header.
"""
import ast
import importlib
import io
import os
import pkgutil  # noqa: F401  (runpy.run_path imports it: not on the program's clock)
import runpy
import sys
import time
import traceback

# The real stdout, unbuffered per record so a killed run still leaves what it printed.
_real = sys.stdout
_t0 = 0.0


def _ms(t):
    return f'{(t - _t0) * 1000:.1f}'


def _emit(record):
    _real.write(record + '\n')
    _real.flush()


class _LineStamper(io.TextIOBase):
    """sys.stdout for the program: each completed line is stamped when its newline comes."""

    encoding = 'utf-8'
    errors = 'strict'

    def __init__(self):
        super().__init__()
        self._pending = ''

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError(f'write() argument must be str, not {type(s).__name__}')
        now = time.perf_counter()
        *done, rest = s.split('\n')
        for piece in done:
            _emit(f'{_ms(now)}\t{self._pending}{piece}')
            self._pending = ''
        self._pending += rest
        return len(s)

    def flush(self):
        pass

    def unterminated(self):
        text, self._pending = self._pending, ''
        return text


def _preimport(path):
    """Imports the modules the program imports at its top level (failures are the program's)."""
    try:
        with open(path, encoding='utf-8') as f:
            tree = ast.parse(f.read(), path)
    except SyntaxError:
        return
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                _try_import(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            module = _try_import(node.module)
            for alias in node.names:
                # `from concurrent.futures import ProcessPoolExecutor` imports a submodule
                # lazily through the package's __getattr__: do that here too.
                try:
                    getattr(module, alias.name)
                except Exception:
                    _try_import(f'{node.module}.{alias.name}')


def _try_import(name):
    try:
        return importlib.import_module(name)
    except Exception:
        return None


def main():
    global _t0
    path = os.path.abspath(sys.argv[1])
    sys.argv = [path]
    sys.path[0] = os.path.dirname(path)  # as `python PROGRAM.py` has it
    _emit('python ' + '.'.join(map(str, sys.version_info[:3])))
    _preimport(path)
    stamper = _LineStamper()
    code, raised = 0, None
    _t0 = time.perf_counter()
    sys.stdout = stamper
    try:
        runpy.run_path(path, run_name='__main__')
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException as e:
        traceback.print_exc()
        lines = traceback.format_exception_only(type(e), e)
        raised = lines[-1].rstrip('\n') if lines else type(e).__name__
        code = 1
    end = time.perf_counter()
    sys.stdout = _real
    rest = stamper.unterminated()
    if rest:
        _emit(f'unterminated\t{rest}')
    if raised is not None:
        _emit(f'raised\t{raised}')
    _emit(f'end {_ms(end)} exit={code}')
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


if __name__ == '__main__':
    main()
