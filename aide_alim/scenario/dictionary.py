"""The data dictionary of the README: the scenario format as Markdown tables.

Generated from :mod:`aide_alim.scenario.schema`, so that the README documents the format the
validation applies (``tests/test_readme.py`` checks it is up to date).
"""

from __future__ import annotations

import re

from aide_alim.scenario.io import OPTIONAL_TABLES
from aide_alim.scenario.schema import COLUMNS, SECTIONS, SETTINGS, field_default


def data_dictionary() -> str:
    """The scenario format as Markdown tables, generated from :data:`COLUMNS` and the sections.

    "required" means the column must be in the header; an empty cell then takes the default,
    and a cell without default must be filled. Optional columns may be left out entirely.
    """
    lines = [
        "### scenario.toml",
        "",
        "| key | required | default | meaning |",
        "|---|---|---|---|",
    ]
    for setting in SETTINGS:
        required = "yes" if setting.required else "no"
        lines.append(f"| `{setting.name}` | {required} | | {setting.doc} |")
    for section, cls in SECTIONS.items():
        for name in cls.field_names():
            default = field_default(cls, name)
            shown = "(none)" if default is None else str(default).lower()
            meaning = _param_doc(cls, name) or f"see `{cls.__name__}`"
            lines.append(f"| `{section}.{name}` | no | `{shown}` | {meaning} |")
    for table, specs in COLUMNS.items():
        optional = " (optional file)" if table in OPTIONAL_TABLES else ""
        lines += [
            "",
            f"### {table}.csv{optional}",
            "",
            "| column | required | type [unit] | default | meaning |",
            "|---|---|---|---|---|",
        ]
        for spec in specs:
            required = "yes" if spec.required else "no"
            cells = (f"`{spec.name}`", required, spec.type_doc, spec.default_text, spec.doc)
            lines.append(f"| {' | '.join(cells)} |")
    return "\n".join(lines) + "\n"


def _param_doc(cls: type, name: str) -> str:
    """The sentence of a params dataclass docstring about ``name`` (``- ``name``: …``)."""
    match = re.search(
        rf"``{name}``: (.*?)(?=\n\s*- ``|\n\s*\n|;\s*``|$)", cls.__doc__ or "", re.DOTALL
    )
    text = " ".join(match.group(1).split()) if match else ""
    return text.replace("|", "/").replace("``", "`").replace(":data:", "")
