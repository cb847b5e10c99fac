"""PDF renderings of the distribution plans and route sheets (fpdf2, DejaVu Sans for Unicode).

Text is written as plain text (no markdown, no HTML, no links): a name like ``=HYPERLINK(…)`` or
``<script>`` is printed as the characters it is made of.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, cast

import matplotlib
from fpdf import FPDF

from aide_alim.documents.plans import AssociationPlan
from aide_alim.documents.sheets import RouteSheet
from aide_alim.i18n import fmt
from aide_alim.scenario.model import Temperature

TEAL = (0, 88, 106)


@cache
def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


# Latin-1, œ Œ Ÿ and the punctuation, currency and maths signs of our own texts.
_BASE_CHARS = frozenset(
    [*range(0x20, 0x7F), *range(0xA0, 0x100), 0x152, 0x153, 0x178, 0x2013, 0x2014, 0x2019,
     0x201C, 0x201D, 0x2022, 0x2026, 0x202F, 0x2082, 0x20AC, 0x2192, 0x2212, 0x2248, 0x2264,
     0x2265]
)  # fmt: skip


class Fonts:
    """DejaVu Sans (regular and bold) cut down to the characters of one batch of documents.

    Parsing the whole font costs about 0.1–0.3 s per document; a subset with only the glyphs
    needed (the Latin block plus every character of the scenario's texts) parses 4× faster and
    embeds the same glyphs. Use as a context manager: the subset files live in a temporary
    folder outside the output folder.
    """

    def __init__(self, texts: Iterable[str]) -> None:
        chars = set(_BASE_CHARS)
        for text in texts:
            chars.update(ord(c) for c in text)
        self._chars = chars
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self.regular = _font_dir() / "DejaVuSans.ttf"
        self.bold = _font_dir() / "DejaVuSans-Bold.ttf"

    def __enter__(self) -> Fonts:
        from fontTools import subset
        from fontTools.ttLib import TTFont

        self._tmp = tempfile.TemporaryDirectory(prefix="aide_alim_fonts_")
        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.notdef_outline = True
        options.drop_tables += ["FFTM"]
        paths = []
        for source in (self.regular, self.bold):
            font = TTFont(source, recalcTimestamp=False)
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=self._chars)
            subsetter.subset(font)
            target = Path(self._tmp.name) / source.name
            font.save(target)
            paths.append(target)
        self.regular, self.bold = paths
        return self

    def __exit__(self, *exc: object) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


def fit_widths(
    measure: Callable[[str], float], header: Sequence[str], widths: Sequence[float], pad: float
) -> list[float]:
    """Column widths [same unit as ``measure``] that hold every word of the header on one line.

    ``widths`` are the wanted widths (their sum is kept); a column too narrow for its longest
    header word is widened to it and the others give back room in proportion, never below
    their own longest word — so a header never breaks inside a word ("Exécutio n").
    """
    total = float(sum(widths))
    need = [max((measure(w) for w in str(h).split()), default=0.0) + 2 * pad for h in header]
    fixed: dict[int, float] = {}
    for _ in range(len(widths)):
        free = [i for i in range(len(widths)) if i not in fixed]
        room = total - sum(fixed.values())
        share = sum(widths[i] for i in free) or 1.0
        scaled = {i: widths[i] * room / share for i in free}
        short = {i: need[i] for i in free if scaled[i] < need[i]}
        if not short:
            return [fixed.get(i, scaled.get(i, 0.0)) for i in range(len(widths))]
        fixed.update(short)
    return [fixed.get(i, widths[i]) for i in range(len(widths))]  # cannot fit: widest words


class _Document(FPDF):
    def __init__(
        self, title: str, created: dt.date, fonts: Fonts | None, *, landscape: bool = False
    ) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        fonts = fonts or Fonts(())
        self.add_font("DejaVu", "", str(fonts.regular))
        self.add_font("DejaVu", "B", str(fonts.bold))
        self.set_font("DejaVu", size=9)
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(True, margin=15)
        # A fixed date (the week's Monday) keeps the bytes the same from one run to the next.
        self.set_creation_date(dt.datetime(created.year, created.month, created.day, tzinfo=dt.UTC))
        self.set_title(title)
        self.set_creator("aide_alim")
        self.set_producer("aide_alim (fpdf2)")
        self._footer_text = title
        self._widths: dict[tuple[str, str, float], dict[str, float]] = {}
        self.add_page()

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("DejaVu", size=7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self._footer_text} – page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def wrap(self, text: str, width: float) -> list[str]:
        """``text`` broken into lines no wider than ``width`` [mm] in the current font.

        Greedy word wrap with cached word widths: fpdf2's ``multi_cell`` measures character by
        character, which made the documents stage several times slower.
        """
        key = (self.font_family, self.font_style, self.font_size_pt)
        cache = self._widths.setdefault(key, {})

        def measure(word: str) -> float:
            if word not in cache:
                cache[word] = self.get_string_width(word)
            return cache[word]

        space = measure(" ")
        lines: list[str] = []
        for paragraph in text.split("\n"):
            current, used = "", 0.0
            for word in paragraph.split(" "):
                w = measure(word)
                while w > width and word:  # a word longer than the column: cut it
                    cut = len(word)
                    while cut > 1 and measure(word[:cut]) > width:
                        cut -= 1
                    if current:
                        lines.append(current)
                    lines.append(word[:cut])
                    current, used = "", 0.0
                    word = word[cut:]
                    w = measure(word)
                if not word:
                    continue
                if current and used + space + w > width:
                    lines.append(current)
                    current, used = word, w
                elif current:
                    current, used = f"{current} {word}", used + space + w
                else:
                    current, used = word, w
            lines.append(current)
        return lines

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*TEAL)
        self.para(text, size=size, style="B", line_height=size * 0.55)
        self.set_text_color(0, 0, 0)
        self.set_font("DejaVu", size=9)
        self.ln(1)

    def para(self, text: str, size: float = 9, style: str = "", line_height: float = 4.6) -> None:
        self.set_font("DejaVu", style, size)
        for line in self.wrap(text, self.epw):
            if self.get_y() + line_height > self.page_break_trigger:
                self.add_page()
            self.set_x(self.l_margin)
            self.cell(self.epw, line_height, line, new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: tuple[float, ...],
        *,
        size: float = 7.5,
        right: frozenset[int] = frozenset(),
    ) -> None:
        """A table with wrapped cells; ``widths`` are relative, scaled to the page width. The
        header row is repeated at the top of each new page."""
        scale = self.epw / sum(widths)
        pad, line_h = 1.0, size * 0.45
        self.set_font("DejaVu", "B", size)
        cols = fit_widths(self.get_string_width, header, [w * scale for w in widths], pad + 0.3)

        def draw(record: list[str], bold: bool) -> None:
            self.set_font("DejaVu", "B" if bold else "", size)
            wrapped = [self.wrap(str(v), w - 2 * pad) for v, w in zip(record, cols, strict=True)]
            height = max(len(lines) for lines in wrapped) * line_h + 2 * pad
            if self.get_y() + height > self.page_break_trigger:
                self.add_page()
                if not bold:
                    draw(header, True)
                    self.set_font("DejaVu", "", size)
            x, y = self.l_margin, self.get_y()
            for i, (lines, w) in enumerate(zip(wrapped, cols, strict=True)):
                if bold:
                    self.set_fill_color(232, 242, 244)
                self.rect(x, y, w, height, style="DF" if bold else "D")
                for j, line in enumerate(lines):
                    self.set_xy(x + pad, y + pad + j * line_h)
                    self.cell(w - 2 * pad, line_h, line, align="R" if i in right else "L")
                x += w
            self.set_xy(self.l_margin, y + height)

        self.set_draw_color(201, 201, 201)
        draw(header, True)
        for record in rows:
            draw(record, False)
        self.set_font("DejaVu", size=9)
        self.ln(2)


def plan_pdf(plan: AssociationPlan, created: dt.date, fonts: Fonts | None = None) -> bytes:
    """The distribution plan of one association as PDF bytes."""
    a = plan.association
    doc = _Document(f"Plan de distribution – {a.name}", created, fonts)
    doc.alias_nb_pages()
    doc.heading("Plan de distribution", 16)
    where = f", {plan.commune}" if plan.commune else ""
    doc.para(f"{a.name} ({a.kind}{where}) – référence {a.id}")
    doc.para(plan.week[:1].upper() + plan.week[1:])
    doc.heading("Votre part cette semaine")
    doc.grid(
        ["Total à recevoir", "Cartons", "Repas", "Valeur marchande", "Prix à payer"],
        [[
            fmt.kg(plan.total_kg), fmt.number(plan.total_units), fmt.number(plan.total_meals),
            fmt.eur(plan.total_value_eur), fmt.eur(plan.total_price_eur),
        ]],
        (36, 30, 30, 42, 42),
        size=9,
    )  # fmt: skip
    doc.heading("Pourquoi cette part")
    for sentence in plan.explanation:
        doc.para(sentence)
    doc.heading("Quand et où")
    if plan.handovers:
        doc.grid(
            ["Jour", "Mode", "Lieu", "Heure d'arrivée prévue", "Véhicule", "Lots"],
            [
                [
                    fmt.date(h.day), h.mode,
                    h.place + (f"\n{h.address}" if h.address else ""),
                    h.slot + (f"\n{h.note}" if h.note else ""), h.vehicle, ", ".join(h.lots),
                ]
                for h in plan.handovers
            ],
            (30, 24, 40, 30, 24, 34),
        )  # fmt: skip
    else:
        doc.para("Aucune livraison ni retrait cette semaine.")
    doc.heading("Détail des lots")
    if len(plan.lines):
        rows = [
            [
                str(line.lot), str(line.product), str(line.category_label),
                Temperature(line.temperature).label_fr, fmt.kg(line.kg), fmt.number(line.units),
                fmt.short_date(line.use_by), fmt.short_date(line.best_before),
                fmt.eur(line.value_eur), fmt.eur(line.price_eur),
            ]
            for line in cast(Any, plan.lines.itertuples())
        ]  # fmt: skip
        rows.append(
            ["Total", "", "", "", fmt.kg(plan.total_kg), fmt.number(plan.total_units), "", "",
             fmt.eur(plan.total_value_eur), fmt.eur(plan.total_price_eur)]
        )  # fmt: skip
        doc.grid(
            ["Lot", "Produit", "Catégorie", "Température", "kg", "Cartons", "DLC", "DDM",
             "Valeur", "À payer"],
            rows,
            (13, 28, 21, 22, 14, 15, 19, 19, 16, 16),
            right=frozenset({4, 5, 8, 9}),
        )  # fmt: skip
        doc.para(
            "DLC : date limite de consommation, à respecter impérativement. DDM : date de "
            "durabilité minimale, le produit reste consommable après.",
            size=7.5,
        )
    else:
        doc.para("Vous ne recevrez aucun lot cette semaine.")
    doc.para(
        (f"{plan.window_note} " if plan.window_note else "")
        + f"Document établi par {plan.signature}. Pour toute question, contactez "
        "la coordination.",
        size=7.5,
    )
    return bytes(doc.output())


def route_sheet_pdf(
    sheet: RouteSheet, map_png: bytes, created: dt.date, fonts: Fonts | None = None
) -> bytes:
    """The route sheet of one vehicle and day as PDF bytes (landscape, map on the last page)."""
    title = f"Feuille de route – {sheet.vehicle_label} – {fmt.date(sheet.day)}"
    doc = _Document(title, created, fonts, landscape=True)
    doc.alias_nb_pages()
    doc.heading(title, 14)
    facts = [
        "véhicule réfrigéré" if sheet.refrigerated else "véhicule non réfrigéré",
        f"capacité {fmt.kg(sheet.capacity_kg)}",
    ]
    if sheet.km == sheet.km:
        facts.append(f"{fmt.number(sheet.km, 1)} km")
    if sheet.hours == sheet.hours:
        facts.append(fmt.duration(sheet.hours))
    doc.para(" · ".join(facts))
    if sheet.signature:
        doc.para(sheet.signature, size=7.5)
    for note in sheet.temperature_notes:
        doc.para(note)
    for trip in sheet.rounds:
        doc.heading(trip.title, 11)
        doc.grid(
            ["#", "Étape", "Lieu et adresse", "Arrivée", "Départ", "Charger", "Décharger",
             "À bord après"],
            [
                [
                    str(i), s.kind, s.place + (f"\n{s.address}" if s.address else ""),
                    s.arrival, s.departure, "\n".join(s.load), "\n".join(s.unload), s.on_board,
                ]
                for i, s in enumerate(trip.stops)
            ],
            (8, 18, 52, 15, 15, 64, 64, 33),
        )  # fmt: skip
    doc.add_page()
    doc.heading("Carte", 11)
    doc.image(io.BytesIO(map_png), w=200)
    return bytes(doc.output())
