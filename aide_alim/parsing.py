"""The one place where text from users' files becomes numbers, dates, booleans and CSV rows.

Every reader (scenario tables, receipts, ledger imports, the convention, CLI options) parses
through these functions, so that ``1 234,56 €`` means the same everywhere. A parser returns the
value, or a :class:`Bad` naming what was expected; the caller adds the file, row and column.

Numbers accept a decimal comma or point, French grouping (spaces, no-break spaces, apostrophes)
and international grouping (``1,234.56``, ``1.234,56``), a leading or trailing ``€``/``EUR`` and
an exponent. A form that reads two ways is refused rather than guessed: ``1,000`` is one
thousand in a US export and one in a French one.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import functools
import io
import math
import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from aide_alim.i18n import N_, _, language


class Bad(NamedTuple):
    """What a parser expected, when the text did not hold it."""

    expected: str


# -- numbers ------------------------------------------------------------------------------------

NUMBER_EXPECTED = N_("a number")
AMBIGUOUS_HINT = N_(
    'written without ambiguity ("1,000" reads as 1000 or as 1: write 1000 or 1 000 for a '
    "thousand, 1,0 or 1.0 for one)"
)
"""The English texts (gettext msgids) of what a number parser expected; a :class:`Bad` holds
them in the user's language (:mod:`aide_alim.i18n`)."""
_CURRENCY = re.compile(r"^(€|eur\b)\s*|\s*(€|eur)$", re.IGNORECASE)
_SPACES = "\u0020\u00a0\u202f\u2009'’"  # French grouping: space, no-break, thin, apostrophe
_MINUS = "-\u2212"
_EXPONENT = re.compile(r"(\d+(?:[.,]\d*)?|[.,]\d+)[eE]([+-]?\d{1,4})")
_PLAIN = re.compile(r"\d+(?:\.\d*)?|\.\d+")  # 1234, 1234.5, .5
_COMMA = re.compile(r"(\d+),(\d+)")  # 1234,5
_US = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,234,567.89
_EUROPEAN = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?")  # 1.234.567,89
_FRENCH = re.compile(rf"\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:[.,]\d+)?")  # 1 234 567,89


def parse_decimal(text: str, *, decimal_comma: bool = False) -> Decimal | Bad:
    """The exact number written in ``text`` (see the module docstring), or :class:`Bad`.

    ``decimal_comma``: the file's convention is known to be French (a ``;`` or tab separated
    export), so ``1,000`` is one; otherwise that form is refused as ambiguous.
    """
    return _parse_decimal(text, decimal_comma, language())


# ``lang`` keys the caches of the parsers: a Bad holds its text in the user's language.
@functools.lru_cache(maxsize=4096)  # scenario columns repeat a few values many times
def _parse_decimal(text: str, decimal_comma: bool, lang: str) -> Decimal | Bad:
    body = _CURRENCY.sub("", text.strip()).strip()
    sign = ""
    if body[:1] in ("+", *_MINUS):
        sign, body = ("-" if body[0] in _MINUS else ""), body[1:].lstrip()
    if match := _EXPONENT.fullmatch(body):
        digits = match.group(1).replace(",", ".")
        return _decimal(f"{sign}{digits}e{match.group(2)}")
    if _PLAIN.fullmatch(body):
        return _decimal(sign + body)
    if match := _COMMA.fullmatch(body):
        whole, fraction = match.groups()
        if (
            len(fraction) == 3
            and len(whole) <= 3
            and not whole.startswith("0")
            and not decimal_comma
        ):
            return Bad(f"{_(NUMBER_EXPECTED)} {_(AMBIGUOUS_HINT)}")
        return _decimal(f"{sign}{whole}.{fraction}")
    if _US.fullmatch(body):
        return _decimal(sign + body.replace(",", ""))
    if _EUROPEAN.fullmatch(body):
        return _decimal(sign + body.replace(".", "").replace(",", "."))
    if _FRENCH.fullmatch(body):
        for space in _SPACES:
            body = body.replace(space, "")
        return _decimal(sign + body.replace(",", "."))
    return Bad(_(NUMBER_EXPECTED))


def _decimal(text: str) -> Decimal | Bad:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return Bad(_(NUMBER_EXPECTED))
    return value if value.is_finite() else Bad(_(NUMBER_EXPECTED))


def parse_number(text: str, *, decimal_comma: bool = False) -> float | Bad:
    """A finite float from ``text`` (:func:`parse_decimal`'s forms), or :class:`Bad`."""
    value = _parse_decimal(text, decimal_comma, language())
    if isinstance(value, Bad):
        return value
    number = float(value)
    return number if math.isfinite(number) else Bad(_(NUMBER_EXPECTED))


def number_expected(bad: Bad, expected: str) -> Bad:
    """``expected`` (e.g. "a number >= 0", translated), keeping the ambiguity hint of ``bad``."""
    hint = _(AMBIGUOUS_HINT)
    if bad.expected.endswith(hint):
        return Bad(f"{expected} {hint}")
    return Bad(expected)


# -- booleans -----------------------------------------------------------------------------------

_TRUE = {"true", "vrai", "oui", "yes", "1", "o", "y", "x", "t"}
_FALSE = {"false", "faux", "non", "no", "0", "n", "f"}
BOOL_EXPECTED = N_("true or false (oui/non, vrai/faux, 1/0)")


def parse_bool(text: str) -> bool | Bad:
    """``true/false``, ``oui/non``, ``vrai/faux``, ``yes/no``, ``1/0`` (any case)."""
    return _parse_bool(text, language())


@functools.lru_cache(maxsize=256)
def _parse_bool(text: str, lang: str) -> bool | Bad:
    key = text.strip().lower()
    if key in _TRUE or key == "1.0":
        return True
    if key in _FALSE or key == "0.0":
        return False
    return Bad(_(BOOL_EXPECTED))


# -- dates --------------------------------------------------------------------------------------

DATE_EXPECTED = N_('a date like "2020-10-05" or "05/10/2020"')
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_FRENCH_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})")
# Spreadsheets and pandas add a midnight time: "2020-10-05 00:00:00", "2020-10-05T00:00".
_MIDNIGHT = re.compile(r"[ T]0?0:00(:00(\.0+)?)?$")


def parse_date(text: str) -> dt.date | Bad:
    """An ISO date (``2020-10-05``) or a French one (``05/10/2020``, ``5/10/20``)."""
    return _parse_date(text, language())


@functools.lru_cache(maxsize=1024)
def _parse_date(text: str, lang: str) -> dt.date | Bad:
    cleaned = _MIDNIGHT.sub("", text.strip())
    if match := _ISO_DATE.fullmatch(cleaned):
        year, month, day = (int(g) for g in match.groups())
    elif match := _FRENCH_DATE.fullmatch(cleaned):
        day, month, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:  # as strptime's %y: 69-99 → 1900s, 00-68 → 2000s
            year += 1900 if year >= 69 else 2000
    else:
        return Bad(_(DATE_EXPECTED))
    try:
        return dt.date(year, month, day)
    except ValueError:
        return Bad(_(DATE_EXPECTED))


# -- text ---------------------------------------------------------------------------------------

MAX_ID_CHARS = 100
"""Longest id: the id columns of the history database hold 100 characters."""
MAX_TEXT_CHARS = 200
"""Longest name, product or label: a document line, not a page."""
# Control characters and the bidirectional overrides (U+202E writes "fdp.exe" as "exe.pdf"):
# they never belong in a name, and reach documents, workbooks and the database.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def clean_text(text: str) -> str:
    """``text`` without control or bidirectional-override characters, on one line."""
    return " ".join(_INVISIBLE.sub("", text).split())


def parse_id(text: str) -> str | Bad:
    """An id: at most :data:`MAX_ID_CHARS` characters, without invisible characters."""
    if _INVISIBLE.search(text) or "\n" in text or "\r" in text or "\t" in text:
        return Bad(_("an id on one line without control or bidirectional characters"))
    if len(text) > MAX_ID_CHARS:
        return Bad(
            _("an id of at most {limit} characters (got {length})").format(
                limit=MAX_ID_CHARS, length=len(text)
            )
        )
    return text


def parse_text(text: str) -> str | Bad:
    """A name or label, cleaned (:func:`clean_text`), of at most :data:`MAX_TEXT_CHARS`."""
    cleaned = clean_text(text)
    if len(cleaned) > MAX_TEXT_CHARS:
        return Bad(
            _("a text of at most {limit} characters (got {length})").format(
                limit=MAX_TEXT_CHARS, length=len(cleaned)
            )
        )
    return cleaned


# -- text files: encoding and CSV dialect -------------------------------------------------------

TEXT_EXPECTED = N_("expected a text file (UTF-8 or Windows-1252), got binary or undecodable data")
# Characters that never appear in a spreadsheet export but do in binary files.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def decode_text(data: bytes) -> str | Bad:
    """Decode UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252 text."""
    text: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        text = _try_decode(data[len(codecs.BOM_UTF8) :], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _try_decode(data, "utf-16")
    else:
        text = _try_decode(data, "utf-8")
        if text is None:
            text = _try_decode(data, "cp1252")
    if text is None or _CONTROL.search(text):
        return Bad(_(TEXT_EXPECTED))
    return text


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def detect_separator(text: str) -> str:
    """The separator of the header line: ``;``, tab or ``,`` (the most frequent outside quotes)."""
    for line in text.splitlines():
        if line.strip():
            outside = re.sub(r'"[^"]*"', "", line)
            counts = {sep: outside.count(sep) for sep in (",", ";", "\t")}
            best = max(counts, key=lambda sep: (counts[sep], sep == ","))
            return best if counts[best] else ","
    return ","


class CsvText(NamedTuple):
    """The records of a CSV text (cells stripped) and whether its numbers use a decimal comma."""

    records: list[list[str]]
    decimal_comma: bool


def csv_records(text: str) -> CsvText | Bad:
    """Split CSV text into records; record *i* is row *i + 1* as a spreadsheet shows it.

    A first line ``sep=;`` (Excel's hint) gives the separator; Excel does not show it as a row,
    so it is not a record either. A ``;`` or tab separator is the French export, where numbers
    use a decimal comma.
    """
    hint = re.match(r"sep=(.)\r?\n", text)
    if hint:
        separator, text = hint.group(1), text[hint.end() :]
    else:
        separator = detect_separator(text)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
        records = [[cell.strip() for cell in record] for record in reader]
    except csv.Error as exc:
        return Bad(_("a CSV table, got unreadable text ({error})").format(error=exc))
    return CsvText(records, decimal_comma=separator in ";\t")
