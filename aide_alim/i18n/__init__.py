"""French first: Babel formatting (:mod:`aide_alim.i18n.fmt`) and the command line's language.

The command line speaks French unless the environment asks for English (``LANG=en_US.UTF-8``,
or ``LANGUAGE``/``LC_ALL``/``LC_MESSAGES`` starting with ``en``). Messages are written in English
in the code (the gettext msgids) and translated by the catalogue
``locale/fr/LC_MESSAGES/aide_alim.po``, compiled to the ``.mo`` file shipped beside it
(``python -m aide_alim.i18n.catalogue`` rebuilds both). Help texts are translated paragraph by
paragraph, so a command's help is written once, in its docstring.
"""

from __future__ import annotations

import gettext
import os
from functools import cache
from pathlib import Path
from typing import Any

DOMAIN = "aide_alim"
LOCALE_DIR = Path(__file__).parent / "locale"
_LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language() -> str:
    """``en`` when the environment asks for English, else ``fr`` (also for ``C`` or nothing)."""
    for variable in _LANGUAGE_VARIABLES:
        value = os.environ.get(variable, "")
        if value:
            return "en" if value.split(":")[0].lower().startswith("en") else "fr"
    return "fr"


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)


def _(message: str) -> str:
    """``message`` (English) in the user's language."""
    return _translations(language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, in the user's language."""
    return _translations(language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the user's language, as meant in ``context`` (``column``: a table's header,
    named by its code in English)."""
    return _translations(language()).pgettext(context, message)


def translate_help(text: str | None) -> str | None:
    """A help text translated paragraph by paragraph (paragraphs not in the catalogue, such
    as examples, stay as written)."""
    if not text:
        return text
    return "\n\n".join(_paragraph(p) for p in text.split("\n\n"))


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it yet (translated where shown)."""
    return message


_HEADS = (N_("Example:"), N_("For scripts:"))


def _paragraph(paragraph: str) -> str:
    if not paragraph.strip():
        return paragraph
    translated = _(paragraph)
    if translated == paragraph:  # an example: only its heading is words
        for head in _HEADS:
            if paragraph.lstrip().startswith(head):
                return paragraph.replace(head, _(head), 1)
    return translated


def number(x: float, decimals: int = 0) -> str:
    """A number for the console: ``4 702`` in French, ``4,702`` in English."""
    if language() == "en":
        return f"{x:,.{decimals}f}"
    from aide_alim.i18n.fmt import number as french

    return french(x, decimals)


def percent(ratio: float, decimals: int = 0) -> str:
    """A ratio for the console: ``80 %`` in French, ``80%`` in English."""
    if language() == "en":
        return f"{ratio:.{decimals}%}"
    from aide_alim.i18n.fmt import pct

    return pct(ratio, decimals)


def day(d: Any) -> str:
    """A day for the console: ``lundi 05/10/2020`` in French, ``2020-10-05`` in English."""
    import datetime as dt

    if not isinstance(d, dt.date):
        return str(d)
    if language() == "en":
        return d.isoformat()
    from aide_alim.i18n.fmt import day_name, short_date

    return f"{day_name(d)} {short_date(d)}"


def localise(command: Any) -> None:
    """Translate the help of ``command`` (a click command or group), its options and
    subcommands in place; click's own words (``Usage:``, ``Options:``…) too."""
    import click

    _localise_click()
    if command.help:
        command.help = translate_help(command.help)
    if command.short_help:
        command.short_help = _(command.short_help)
    for param in command.params:
        if getattr(param, "help", None):
            param.help = translate_help(param.help)
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            localise(sub)


@cache
def _localise_click() -> None:
    # Click's modules bind ``gettext.gettext`` as ``_`` when imported; pointing them at this
    # catalogue gives "Utilisation :", "Erreur :"… in the same language as the rest.
    import importlib

    for name in ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types"):
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
