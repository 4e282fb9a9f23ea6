"""generator/pysource.py, the one path from spec text to generated Python: every text reads back
exactly, from a string literal and from a docstring between any quotes a template puts around it."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.pysource import MAX_MODULE_NAME_BYTES, py, py_doc, py_module_name, py_name, py_value

# Every code point, lone surrogates and controls included, with the quotes and backslashes that
# matter weighted up.
ANY_TEXT = st.text(st.one_of(st.characters(), st.sampled_from("\"\\'\n\r{}")))


@given(ANY_TEXT)
def test_a_string_literal_reads_back_exactly(text: str) -> None:
    assert ast.literal_eval(py(text)) == text


@given(ANY_TEXT, st.sampled_from([("", ""), ("x ", "."), ('x "', '".'), ("x '", "'.")]))
def test_docstring_text_reads_back_exactly_between_any_quotes(text: str, around: tuple[str, str]) -> None:
    """Docstring text cannot close the docstring, with quotes around it or none (templates write
    a spec value as its repr, `Operations tagged {{ tag | py | py_doc }}.`, never in their own quotes)."""
    before, after = around
    source = f'"""{before}{py_doc(text)}{after}"""'
    assert ast.literal_eval(source) == before + text + after


@given(ANY_TEXT)
def test_docstring_text_is_printable_source(text: str) -> None:
    """No control character, bidi override or lone surrogate is written into the file as it is."""
    assert all(ch in "\n\t" or ch.isprintable() for ch in py_doc(text))


def test_docstring_text_wraps_words_whole() -> None:
    text = "one two three " + "\\" * 90
    assert py_doc(text, 10) == "one two\nthree\n" + "\\" * 180


@pytest.mark.parametrize(("value", "code"), [(None, "None"), (True, "True"), (3, "3"), (2.5, "2.5"), ('a"', "'a\"'")])
def test_a_json_scalar_has_its_literal(value: object, code: str) -> None:
    assert py_value(value) == code


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_number_without_a_literal_is_refused(value: float) -> None:
    with pytest.raises(SystemExit, match="no Python literal"):
        py_value(value)


@pytest.mark.parametrize("name", ["", "a b", "class", "x-y", "0x", "ﬁle", "a\nb", "a\u202e"])
def test_a_name_that_is_not_an_identifier_is_refused_naming_where(name: str) -> None:
    with pytest.raises(SystemExit) as refused:
        py_name(name, "schema 'S': property 'p'")
    message = str(refused.value.code)
    assert message.startswith("schema 'S': property 'p': ") and repr(name) in message and "\n" not in message


@pytest.mark.parametrize("name", ["a", "_x", "café", "名前", "match"])
def test_an_identifier_is_kept(name: str) -> None:
    assert py_name(name, "here") == name


def test_a_module_name_too_long_for_a_file_is_refused() -> None:
    assert py_module_name("m" * MAX_MODULE_NAME_BYTES, "here")
    with pytest.raises(SystemExit, match="too long for a module file name"):
        py_module_name("é" * (MAX_MODULE_NAME_BYTES // 2 + 1), "here")


@given(ANY_TEXT)
def test_a_spec_value_in_a_docstring_reads_back_as_its_repr(text: str) -> None:
    """`{{ value | py | py_doc }}`: the repr of the value, made safe for the docstring around it."""
    source = f'"""Operations tagged {py_doc(py(text))}."""'
    assert ast.literal_eval(source) == f"Operations tagged {py(text)}."


def test_no_template_puts_a_value_between_its_own_quotes() -> None:
    """A value between a template's own quotes is safe only as long as its filter escapes those
    quotes; the rule is simpler: a spec value is written as its repr (`py`, `py_value`), or as
    `py | py_doc` inside a docstring."""
    import re
    from pathlib import Path

    templates = Path(__file__).parents[2] / "generator" / "templates"
    quoted = re.compile(r"(?<![\"'])([\"'])\{\{[^}]*\}\}\1(?![\"'])")
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in sorted(templates.glob("*.jinja"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if quoted.search(line)
    ]
    assert found == []
