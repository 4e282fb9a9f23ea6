"""Spec text into generated Python: the one escaping path.

A spec is data from outside the project (a team may regenerate from upstream in CI), so no
value read from it is ever pasted into generated source as it is. Every such value (a path,
an operationId, a tag, a schema or property name, an enum value, a default, a description)
reaches generated Python through one of these functions, in templates (as the Jinja filters
of the same names, registered by generator/build.py) and in Python-written code alike:

- `py(value)`: a Python string literal holding the text exactly (`repr` of the str).
  `{{ info.path | py }}`, never `"{{ info.path }}"`; Jinja's `tojson` is not Python.
- `py_value(value)`: a Python literal of a JSON scalar (enum values, consts): `py` for a
  str, `repr` for a bool, int or finite float, `None`.
- `py_doc(value, width=None)`: text to place inside a `\"\"\"` docstring (wrapped first when
  given a width, then escaped): the text reads the same in `help()`, and cannot end the string.
- `py_name(value, where)`: a checked identifier, for names the code declares or imports.
  Refuses (SystemExit, naming `where`, the spec location) a value that is not one;
  `py_module_name` also refuses a module name too long for a file name.

The tool's own escaping (`safe_for_docstring`, `in_double_quote_literal`) is not used by the
project's templates: the first strips control characters and the second drops them from wire
names, so that a name in the spec and the key the SDK sends could differ.
"""

from __future__ import annotations

import keyword
import math
import re
import textwrap
import unicodedata
from typing import Any

__all__ = ["MAX_MODULE_NAME_BYTES", "is_identifier", "py", "py_doc", "py_module_name", "py_name", "py_value", "text_of"]


def text_of(value: Any) -> str:
    """The text of a spec value: openapi-python-client wraps spec strings in UntrustedString
    and generated snippets in PythonCode; either is read as the text it holds."""
    for unwrap in ("get_untrusted_value", "as_unembedded_code"):
        getter = getattr(value, unwrap, None)
        if callable(getter):
            return str(getter())
    return str(value)


def py(value: Any) -> str:
    """A Python string literal whose value is exactly the text of `value`."""
    return repr(text_of(value))


def py_value(value: Any) -> str:
    """A Python literal of a JSON scalar from the spec (an enum value, a const)."""
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise SystemExit(f"{value!r} in the spec has no Python literal (only finite numbers)")
        return repr(value)
    return py(value)


# A run of 2+ quotes, or a quote at either end: escaped so that no `"""` can form, with the
# template's own quotes around the value either.
_DOC_QUOTES = re.compile(r'"{2,}|\A"|"\Z')


def _doc_char(ch: str) -> str:
    if ch == "\\":
        return "\\\\"
    if ch in "\n\t" or ch.isprintable():
        return ch
    # Controls, lone surrogates, bidi overrides, line separators: shown as escapes.
    return repr(ch)[1:-1]


def py_doc(value: Any, width: int | None = None) -> str:
    """Text for inside a triple-double-quoted docstring: backslashes doubled, characters that
    are not printable (controls, bidi overrides, lone surrogates) written as escapes, and quotes
    escaped where they could close the string. With `width`, each line is wrapped first (words
    are never split, so no escape is cut in two)."""
    text = text_of(value)
    if width is not None:
        lines: list[str] = []
        for line in text.splitlines():
            lines += textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False) or [""]
        text = "\n".join(lines)
    text = "".join(_doc_char(ch) for ch in text)
    return _DOC_QUOTES.sub(lambda m: '\\"' * len(m.group()), text)


def is_identifier(name: str) -> bool:
    """A name Python reads as itself: an identifier, not a keyword, and in NFKC form (Python
    normalizes identifiers, so `ﬁle` would silently be `file`)."""
    return name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name


def py_name(value: Any, where: str) -> str:
    """`value` as an identifier of generated code; refuses one that is not (see is_identifier)."""
    name = text_of(value)
    if not is_identifier(name):
        raise SystemExit(f"{where}: {name!r} cannot be a Python name in the generated code (hint: rename it)")
    return name


# A module is a file, `<name>.cpython-3XX.pyc` in __pycache__ too: most file systems allow 255 bytes.
MAX_MODULE_NAME_BYTES = 200


def py_module_name(value: Any, where: str) -> str:
    """`py_name`, for a name that is also a file name: refuses one longer than MAX_MODULE_NAME_BYTES."""
    name = py_name(value, where)
    if len(name.encode()) > MAX_MODULE_NAME_BYTES:
        raise SystemExit(
            f"{where}: {name[:40]!r}... ({len(name.encode())} bytes) is too long for a module file name"
            f" (at most {MAX_MODULE_NAME_BYTES}; hint: a shorter title or name)"
        )
    return name
