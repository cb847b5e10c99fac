"""Rebuild the French catalogue of the command line: ``python -m aide_alim.i18n.catalogue``.

Collects the messages to translate — every ``_("…")`` and ``ngettext`` of the package, each
paragraph of every command's and option's help, and click's own messages — into
``locale/fr/LC_MESSAGES/aide_alim.po`` (translations already there are kept; new messages come
untranslated, old ones are marked obsolete), then compiles it to the ``.mo`` file that ships in
the package. Run it after changing a message, then translate what is new in the ``.po``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from aide_alim.i18n import DOMAIN, LOCALE_DIR

PACKAGE = Path(__file__).parents[1]
PO_FILE = LOCALE_DIR / "fr" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_FILE = PO_FILE.with_suffix(".mo")


def _help_paragraphs() -> list[str]:
    """Every paragraph of the command line's help, as written (English)."""
    import click

    os.environ["LANGUAGE"] = "en"  # read the help as written, untranslated
    from aide_alim.cli import main

    found: list[str] = []

    def walk(command: click.Command) -> None:
        texts = [command.help, command.short_help]
        texts += [getattr(p, "help", None) for p in command.params]
        for text in texts:
            found.extend(p for p in (text or "").split("\n\n") if p.strip())
        if isinstance(command, click.Group):
            for sub in command.commands.values():
                walk(sub)

    walk(main)
    return found


def template() -> Catalog:
    """The messages the command line needs translated."""
    import click

    catalog = Catalog(domain=DOMAIN, project="aide_alim", charset="utf-8")
    for root in (PACKAGE, Path(click.__file__).parent):
        for filename, lineno, message, _comments, context in extract_from_dir(root):
            where = (f"click/{filename}" if root != PACKAGE else filename, lineno)
            catalog.add(message, locations=[where], context=context)
    for paragraph in _help_paragraphs():
        catalog.add(paragraph, locations=[("help", 0)])
    return catalog


def untranslated(catalog: Catalog) -> list[str]:
    """The messages of ``catalog`` without a translation (every plural form counts)."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if not all(strings) or message.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def missing_translations() -> list[str]:
    """The messages the package can show (:func:`template`) that the shipped ``.po`` file does
    not translate: a new ``_("…")`` not yet collected, or collected and left untranslated."""
    with PO_FILE.open("rb") as handle:
        shipped = read_po(handle, locale="fr", domain=DOMAIN)
    missing = set(untranslated(shipped))
    for message in template():
        if message.id and shipped.get(message.id, context=message.context) is None:
            missing.add(message.id if isinstance(message.id, str) else message.id[0])
    return sorted(missing)


def compiled(po_text: bytes) -> bytes:
    """The ``.mo`` bytes of a ``.po`` file's text."""
    catalog = read_po(io.BytesIO(po_text), locale="fr", domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main() -> None:
    fresh = template()
    if PO_FILE.exists():
        with PO_FILE.open("rb") as handle:
            catalog = read_po(handle, locale="fr", domain=DOMAIN)
        catalog.update(fresh, no_fuzzy_matching=True, update_creation_date=False)
    else:
        catalog = Catalog(locale="fr", domain=DOMAIN, project="aide_alim", charset="utf-8")
        catalog.update(fresh, no_fuzzy_matching=True)
    PO_FILE.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    write_po(out, catalog, width=100, ignore_obsolete=True, include_lineno=False, sort_output=True)
    PO_FILE.write_bytes(out.getvalue())
    MO_FILE.write_bytes(compiled(out.getvalue()))
    missing = untranslated(catalog)
    print(f"{PO_FILE}: {len(catalog)} messages, {len(missing)} untranslated")
    for message in missing:
        print(f"  untranslated: {message!r}")


if __name__ == "__main__":
    main()
