"""PDF renderings of the distribution plans and route sheets (fpdf2, DejaVu Sans for Unicode).

Text is written as plain text (no markdown, no HTML, no links): a name like ``=HYPERLINK(…)`` or
``<script>`` is printed as the characters it is made of.
"""

from __future__ import annotations

import datetime as dt
import io
from functools import cache
from pathlib import Path
from typing import Any, cast

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from aide_alim.documents import fmt
from aide_alim.documents.content import AssociationPlan, RouteSheet
from aide_alim.scenario.model import Temperature

TEAL = (0, 88, 106)


@cache
def _font_dir() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Document(FPDF):
    def __init__(self, title: str, created: dt.date, *, landscape: bool = False) -> None:
        super().__init__(orientation="L" if landscape else "P", unit="mm", format="A4")
        self.add_font("DejaVu", "", str(_font_dir() / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(_font_dir() / "DejaVuSans-Bold.ttf"))
        self.set_font("DejaVu", size=9)
        self.set_margins(14, 14, 14)
        self.set_auto_page_break(True, margin=15)
        # A fixed date (the week's Monday) keeps the bytes the same from one run to the next.
        self.set_creation_date(dt.datetime(created.year, created.month, created.day, tzinfo=dt.UTC))
        self.set_title(title)
        self.set_creator("aide_alim")
        self.set_producer("aide_alim (fpdf2)")
        self._footer_text = title
        self.add_page()

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("DejaVu", size=7)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"{self._footer_text} – page {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 12) -> None:
        self.ln(2)
        self.set_font("DejaVu", "B", size)
        self.set_text_color(*TEAL)
        self.multi_cell(0, size * 0.55, text, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.set_font("DejaVu", size=9)
        self.ln(1)

    def para(self, text: str, size: float = 9) -> None:
        self.set_font("DejaVu", size=size)
        self.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")

    def grid(
        self,
        header: list[str],
        rows: list[list[str]],
        widths: tuple[float, ...],
        *,
        size: float = 7.5,
        right: frozenset[int] = frozenset(),
    ) -> None:
        self.set_font("DejaVu", size=size)
        heading = FontFace(emphasis="BOLD", fill_color=(232, 242, 244))
        with self.table(
            col_widths=widths,
            headings_style=heading,
            line_height=size * 0.5,
            text_align=tuple("RIGHT" if i in right else "LEFT" for i in range(len(header))),
            markdown=False,
        ) as table:
            for record in [header, *rows]:
                row = table.row()
                for value in record:
                    row.cell(value)
        self.set_font("DejaVu", size=9)


def plan_pdf(plan: AssociationPlan, created: dt.date) -> bytes:
    """The distribution plan of one association as PDF bytes."""
    a = plan.association
    doc = _Document(f"Plan de distribution – {a.name}", created)
    doc.alias_nb_pages()
    doc.heading("Plan de distribution", 16)
    doc.para(f"{a.name} ({a.kind}, commune {a.commune}) – référence {a.id}")
    doc.para(plan.week[:1].upper() + plan.week[1:])
    doc.heading("Votre part cette semaine")
    doc.grid(
        ["Total reçu", "Cartons", "Repas", "Valeur marchande", "Prix à payer"],
        [[
            fmt.kg(plan.total_kg), fmt.number(plan.total_units), fmt.number(plan.total_meals),
            fmt.eur(plan.total_value_eur), fmt.eur(plan.total_price_eur),
        ]],
        (36, 30, 30, 42, 42),
        size=9,
    )  # fmt: skip
    doc.heading("Pourquoi vous recevez cette part")
    for sentence in plan.explanation:
        doc.para(sentence)
    doc.heading("Quand et où")
    if plan.handovers:
        doc.grid(
            ["Jour", "Mode", "Lieu", "Créneau", "Véhicule", "Lots"],
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
            (16, 30, 22, 20, 15, 13, 17, 17, 16, 16),
            right=frozenset({4, 5, 8, 9}),
        )  # fmt: skip
        doc.para(
            "DLC : date limite de consommation, à respecter impérativement. DDM : date de "
            "durabilité minimale, le produit reste consommable après.",
            size=7.5,
        )
    else:
        doc.para("Vous ne recevez aucun lot cette semaine.")
    return bytes(doc.output())


def route_sheet_pdf(sheet: RouteSheet, map_png: bytes, created: dt.date) -> bytes:
    """The route sheet of one vehicle and day as PDF bytes (landscape, map on the last page)."""
    title = f"Feuille de route – {sheet.vehicle_label} – {fmt.date(sheet.day)}"
    doc = _Document(title, created, landscape=True)
    doc.alias_nb_pages()
    doc.heading(title, 14)
    facts = [
        "véhicule réfrigéré" if sheet.refrigerated else "véhicule non réfrigéré",
        f"capacité {fmt.kg(sheet.capacity_kg)}",
    ]
    if sheet.km == sheet.km:
        facts.append(f"{fmt.number(sheet.km, 1)} km")
    if sheet.hours == sheet.hours:
        facts.append(f"{fmt.number(sheet.hours, 1)} h")
    doc.para(" · ".join(facts))
    for note in sheet.temperature_notes:
        doc.para(note)
    for round_no, stops in sheet.rounds:
        doc.heading(f"Tournée {round_no}", 11)
        doc.grid(
            ["#", "Étape", "Lieu et adresse", "Arrivée", "Départ", "Charger", "Décharger",
             "À bord après"],
            [
                [
                    str(i), s.kind, s.place + (f"\n{s.address}" if s.address else ""),
                    s.arrival, s.departure, "\n".join(s.load), "\n".join(s.unload), s.on_board,
                ]
                for i, s in enumerate(stops)
            ],
            (8, 18, 52, 15, 15, 64, 64, 33),
        )  # fmt: skip
    doc.add_page()
    doc.heading("Carte", 11)
    doc.image(io.BytesIO(map_png), w=200)
    return bytes(doc.output())
