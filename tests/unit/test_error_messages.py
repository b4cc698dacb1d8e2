"""Every message a client reads comes from the catalogue (chalicelib.messages), Chinese first:
no error class words its own, no raise site writes one."""
from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from chalicelib import errors, messages

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"


def every_error() -> list[type[errors.AppError]]:
    found, todo = [], [errors.AppError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("cls", every_error(), ids=lambda c: c.__name__)
def test_every_error_class_reads_its_message_from_both_languages_of_the_catalogue(cls):
    key = cls.key or cls.code
    assert key in messages.CATALOGUE["zh-CN"] and key in messages.CATALOGUE["en"], key
    raised = cls([]) if cls is errors.ImportRowsInvalid else cls()
    assert has_chinese(raised.message)
    assert raised.to_json()["error"]["code"] == cls.code and raised.to_json()["error"]["message"] == messages.text(key)


def test_no_error_class_words_its_own_message():
    tree = ast.parse((ROOT / "errors.py").read_text())
    worded = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name != "AppError"):
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                names = [t.id for target in stmt.targets
                         for t in (target.elts if isinstance(target, ast.Tuple) else [target]) if isinstance(t, ast.Name)]
                if "message" in names:
                    worded.append(cls.name)
    assert worded == []


def test_both_languages_hold_the_same_keys_with_the_same_placeholders():
    zh, en = messages.CATALOGUE["zh-CN"], messages.CATALOGUE["en"]
    assert set(zh) == set(en)

    def placeholders(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert {k: placeholders(v) for k, v in zh.items()} == {k: placeholders(v) for k, v in en.items()}
    assert all(has_chinese(v) for k, v in zh.items() if not k.startswith("IMPORT_RULE_")), \
        [k for k, v in zh.items() if not has_chinese(v)]


def test_a_detail_is_filled_from_its_parameters_in_either_language():
    assert messages.text("NOT_FOUND.choices", choices="orders, refunds") == "没有该项，可选：orders, refunds"
    assert messages.text("NOT_FOUND.choices", "en", choices="orders") == "No such one; there are: orders."
    assert messages.text("NOT_FOUND.choices") == messages.CATALOGUE["zh-CN"]["NOT_FOUND.choices"]  # no parameters: as is


def words_at_raise_sites(path: Path) -> list[str]:
    """Calls of ``errors.X(...)`` whose message is a string written in place (or an f-string)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "errors" and node.args
                and (isinstance(node.args[0], ast.JoinedStr)
                     or isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))):
            found.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    return found


def test_no_raise_site_writes_its_own_words():
    assert [site for path in sorted(ROOT.rglob("*.py")) for site in words_at_raise_sites(path)] == []
