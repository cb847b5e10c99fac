"""Keeping user-supplied text inert in every document we write.

- Spreadsheet cells (CSV, xlsx) that begin with ``= + - @`` (or a tab / carriage return) are
  read as formulas by Excel and LibreOffice: :func:`neutralise_cell` prefixes them with ``'``.
- File names derived from ids (association, vehicle) go through :class:`FileNamer`: slugified,
  bounded in length, never a path, never a reserved device name, collisions disambiguated.

HTML escaping is Jinja2's autoescape (see :mod:`aide_alim.documents.html`).
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(10)
}
_MAX_STEM = 60


def neutralise_cell(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would run as a formula: then ``'…``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are neutralised."""
    out = frame.copy()
    for column in out.columns:
        if not (
            pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])
        ):
            out[column] = out[column].map(neutralise_cell)
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    return out


def slugify(text: str) -> str:
    """ASCII, lower-case, ``[a-z0-9-]`` only.

    ``"Épicerie Sociale / Nord"`` → ``epicerie-sociale-nord``.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:_MAX_STEM].strip("-")


class FileNamer:
    """Safe, unique file stems inside one output folder.

    ``stem("../../etc/passwd")`` → ``etc-passwd``; the same id asked twice gets the same stem;
    two different ids that slugify alike get ``x`` and ``x-2``.
    """

    def __init__(self, fallback: str = "sans-nom") -> None:
        self._fallback = fallback
        self._by_key: dict[str, str] = {}
        self._taken: set[str] = set()

    def stem(self, key: str) -> str:
        if key in self._by_key:
            return self._by_key[key]
        base = slugify(key) or self._fallback
        if base in _WINDOWS_RESERVED:
            base = f"{base}-x"
        stem, n = base, 1
        while stem in self._taken:
            n += 1
            stem = f"{base}-{n}"
        self._taken.add(stem)
        self._by_key[key] = stem
        return stem


def inside(folder: Path, name: str) -> Path:
    """``folder / name``, refusing any name that would land outside ``folder``."""
    path = (folder / name).resolve()
    if folder.resolve() not in path.parents:
        raise ValueError(f"Expected a file name inside {folder}, got {name!r}.")
    return path
