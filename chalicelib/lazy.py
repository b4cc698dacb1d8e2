"""Modules imported by the first call that uses them, not when their importer is imported.

Every function's cold start imports ``app.py``, which must declare every route and schedule; what
the routes *run* (the services and all they import) need only load for the requests that use it.
So a view names its services with ``service = lazy.module("chalicelib.checkin.service")`` and
uses ``service.check_in(...)`` as before: the first attribute read imports the module (once, under
the import system's lock); after that it is one attribute lookup more. Request and answer types,
and the rules' constants a declaration reads, stay ordinary imports: routes need them at import.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _Module:
    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r}, {state}>"


def module(name: str) -> Any:
    """Stands for the module ``name``, importing it when an attribute is first read."""
    return _Module(name)
