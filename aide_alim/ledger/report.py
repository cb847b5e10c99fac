"""The execution report of the convention (art. 2.4), in French: HTML, PDF and the ledger as .xlsx.

The documents write out the content of :mod:`aide_alim.ledger.report_content`:

- :func:`render_html` — one self-contained page (CSS inline, charts as base64 PNG), Jinja2 with
  autoescape on: every user string (labels, associations, document references) is escaped;
- :func:`render_pdf` — the same content with fpdf2 and the DejaVu Sans font (Unicode);
- :func:`write_xlsx` — the ledger as a workbook; text cells that a spreadsheet would run as a
  formula (starting with ``= + - @``, tab or carriage return) are prefixed with ``'``;
- :func:`write_report` — the three files.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from aide_alim.documents.safety import neutralise_cell
from aide_alim.i18n import fmt
from aide_alim.ledger.checks import SEVERITY_FR, findings_table
from aide_alim.ledger.report_content import (
    ReportData,
    financial_statement,
    indicator_results,
    prospection_by_quarter,
    synthesis,
)

# ------------------------------------------------------------------------------------- HTML


def _template_environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("aide_alim.ledger", "templates"),
        autoescape=True,  # every user string is escaped, .html.j2 or not
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=fmt.number,
        euros=lambda v, decimals=2: fmt.eur(v, decimals),
        percent=lambda v, decimals=1: fmt.pct(v, decimals),
        date_fr=fmt.long_date,
        plural=fmt.plural,
        trend=trend,
        dmy=lambda d: pd.Timestamp(d).strftime("%d/%m/%Y"),
    )
    return env


def trend(change: Any) -> str:
    """A change against the previous period in words: ``+12,5 %``, ``−3,0 %``, ``–`` if none."""
    try:
        value = float(change)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(value):
        return "–"
    sign = "+" if value >= 0 else "−"
    return f"{sign}{fmt.pct(abs(value), 1)}"


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in table.to_dict("records")]


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (French)."""
    convention = data.convention
    statement = financial_statement(data)
    totals = {
        c: float(statement[c].sum())
        for c in statement.columns
        if c.endswith("_eur") or c.startswith(("committed_", "spent_"))
    }
    charts = {name: base64.b64encode(png).decode("ascii") for name, png in data.charts.items()}
    expenses = data.expenses.sort_values(["action", "date"], kind="stable")
    findings = findings_table(data.findings)
    findings["severity_fr"] = findings["severity"].map(SEVERITY_FR)
    template = _template_environment().get_template("report.html.j2")
    return template.render(
        c=convention,
        data=data,
        funders=[convention.party(f) for f in convention.funders],
        party_names={p.id: p.name for p in convention.parties},
        axes=convention.axes,
        statement=_records(statement),
        totals=totals,
        results=_records(indicator_results(data)),
        synthesis=synthesis(data),
        per_association=_records(data.axis3.per_association()),
        prospection=_records(prospection_by_quarter(data.axis3)),
        opportunities=_records(data.axis3.opportunities),
        expenses=_records(expenses),
        findings=_records(findings),
        charts=charts,
    )


# -------------------------------------------------------------------------------------- PDF


def _font_path(bold: bool = False) -> Path:
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def render_pdf(data: ReportData) -> bytes:
    """The report as a PDF (A4, DejaVu Sans so that every French character prints)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    convention = data.convention

    class _Pdf(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=7)
            self.set_text_color(110)
            self.cell(
                0, 6, f"Rapport d’exécution {convention.year} — page {self.page_no()}", align="C"
            )
            self.set_text_color(0)

    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(_font_path()))
    pdf.add_font("DejaVu", "B", str(_font_path(bold=True)))
    pdf.set_title(f"Rapport d’exécution {convention.year}")
    pdf.add_page()
    heading = FontFace(emphasis="BOLD", fill_color=(225, 232, 240))

    def title(text: str, size: float = 13) -> None:
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
        pdf.set_font("DejaVu", "", 9)

    def para(text: str) -> None:
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(0, 4.6, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def table(
        header: list[str],
        rows: list[list[str]],
        widths: tuple[float, ...],
        align: str | tuple[str, ...] = "LEFT",
        size: float = 7.5,
    ) -> None:
        from aide_alim.documents.pdf import fit_widths

        pdf.set_font("DejaVu", "B", size)
        scale = pdf.epw / sum(widths)
        fitted = fit_widths(pdf.get_string_width, header, [w * scale for w in widths], 1.4)
        pdf.set_font("DejaVu", "", size)
        with pdf.table(
            col_widths=tuple(fitted),
            text_align=align,
            headings_style=heading,
            line_height=size * 0.5,
            padding=0.8,
        ) as grid:
            head = grid.row()
            for text in header:
                head.cell(text)
            for values in rows:
                line = grid.row()
                for text in values:
                    line.cell(text)
        pdf.ln(2)

    def image(name: str, width: float = 180) -> None:
        if name not in data.charts:
            return
        png = data.charts[name]
        # PNG header: width and height in pixels at bytes 16–24. A tall chart (many
        # associations) is narrowed so that it fits on one page.
        px_w, px_h = struct.unpack(">II", png[16:24])
        width = min(width, (pdf.eph - 8) * px_w / px_h)
        pdf.image(io.BytesIO(png), w=width)
        pdf.ln(2)

    title(f"Rapport d’exécution {convention.year}", 16)
    para(f"{convention.name}\n{convention.territory}")
    para(
        f"Établi le {fmt.long_date(data.generated_on)} — à transmettre au Préfet, après "
        "délibération du conseil métropolitain, au plus tard le "
        f"{fmt.long_date(convention.report_deadline)} "
        "(art. 2.4)."
    )
    para(
        "Parties : "
        + " ; ".join(
            f"{p.name} ({p.represented_by})" if p.represented_by else p.name
            for p in convention.parties
        )
    )
    title("1. Synthèse globale")
    for sentence in synthesis(data):
        para("• " + sentence)

    title("2. Bilan financier par action et par financeur")
    statement = financial_statement(data)
    funders = convention.funders
    header = ["Action", "Budget"]
    for f in funders:
        name = convention.party(f).name
        header += [f"{name} engagé", f"{name} dépensé"]
    header += ["Exécution", "Parité"]
    rows = []
    for r in _records(statement):
        line = [f"{r['action']} {r['title']}", fmt.eur(r["budget_eur"], 0)]
        for f in funders:
            line += [fmt.eur(r[f"committed_{f}"], 0), fmt.eur(r[f"spent_{f}"], 2)]
        line += [fmt.pct(r["execution_rate"], 1), "oui" if r["parity_ok"] else "NON"]
        rows.append(line)
    total = ["Total", fmt.eur(statement["budget_eur"].sum(), 0)]
    for f in funders:
        total += [
            fmt.eur(statement[f"committed_{f}"].sum(), 0),
            fmt.eur(statement[f"spent_{f}"].sum(), 2),
        ]
    total += [fmt.pct(statement["spent_eur"].sum() / statement["budget_eur"].sum(), 1), ""]
    rows.append(total)
    widths = (52, 16, *([18, 18] * len(funders)), 14, 10)
    table(header, rows, widths, ("LEFT", *("RIGHT",) * (len(header) - 2), "CENTER"))
    image("financial")

    title("3. Résultats par indicateur")
    rows = []
    for r in _records(indicator_results(data)):
        results = "\n".join(r["results"]) if r["results"] else "à renseigner"
        rows.append([r["indicator"], r["label"], results])
    table(["Indicateur", "Libellé (fiche action)", "Résultats"], rows, (16, 70, 94))

    title("4. Axe 3 — Rendre plus efficace la distribution alimentaire")
    axis3 = data.axis3
    if axis3.is_empty:
        para("Aucune semaine publiée dans l’historique pour cette année.")
    else:
        para(
            f"{fmt.plural(len(axis3.weeks), 'semaine publiée')}, de {axis3.weeks[0]} à "
            f"{axis3.weeks[-1]}."
        )
        rows = []
        for r in _records(axis3.per_association()):
            rows.append(
                [
                    f"{r.get('name') or r['association']}",
                    fmt.number(r.get("kg")),
                    fmt.number(r.get("meals")),
                    fmt.pct(r.get("share_served"), 0),
                    fmt.number(r.get("cv_kg"), 2),
                    fmt.number(r.get("longest_gap_weeks")),
                    fmt.number(r.get("trend_kg_per_week"), 1),
                    fmt.eur(r.get("value_eur"), 0),
                    fmt.eur(r.get("paid_eur"), 0),
                    fmt.eur(r.get("net_value_eur"), 0),
                    fmt.eur(r.get("logistics_eur"), 0),
                    fmt.number(r.get("cost_eur_per_kg"), 2),
                ]
            )
        table(
            [
                "Structure",
                "kg",
                "Repas",
                "Semaines servies",
                "CV kg/sem.",
                "Plus longue interruption (sem.)",
                "Tendance (kg/sem.)",
                "Valeur marchande",
                "Payé",
                "Valeur nette",
                "Part logistique",
                "Coût €/kg",
            ],
            rows,
            (30, 14, 14, 13, 11, 15, 13, 16, 13, 16, 14, 11),
            ("LEFT", *("RIGHT",) * 11),
            size=6.5,
        )
        image("weekly_volume")
        image("regularity", 150)
        image("financial_impact", 150)
        pro = prospection_by_quarter(axis3)
        if len(pro):
            para("Action 3.1 — opportunités rendues accessibles par la prospection :")
            rows = [
                [
                    str(r["period"]),
                    fmt.number(r["weeks"]),
                    fmt.number(r["offers"]),
                    fmt.number(r["suppliers"]),
                    fmt.number(r["kg"]),
                    fmt.eur(r["value_eur"], 0),
                    fmt.pct(r["donated_share"], 1),
                ]
                for r in _records(pro)
            ]
            table(
                [
                    "Période",
                    "Semaines",
                    "Offres",
                    "Fournisseurs distincts",
                    "kg",
                    "Valeur marchande",
                    "Part donnée",
                ],
                rows,
                (25, 20, 20, 30, 25, 30, 30),
                ("LEFT", *("RIGHT",) * 6),
            )

    opportunities = data.axis3.opportunities
    if len(opportunities):
        para(
            "Action 3.1 — registre des opportunités (indicateur 3.1.a) : offres reçues et prises ; "
            "kg, valeur marchande et économie des offres prises ; évolution des kg par rapport "
            "au trimestre précédent."
        )
        rows = [
            [
                str(r["period"]),
                fmt.number(r["received"]),
                fmt.number(r["taken"]),
                fmt.number(r["kg_taken"]),
                fmt.eur(r["value_eur"], 0),
                fmt.eur(r["saved_eur"], 0),
                f"{fmt.number(r['suppliers'])} ({fmt.number(r['new_suppliers'])})",
                f"{fmt.number(r['co2_g_per_kg'])} g",
                trend(r["kg_change"]),
            ]
            for r in _records(opportunities)
        ]
        table(
            ["Période", "Reçues", "Prises", "kg", "Valeur marchande", "Économie",
             "Fournisseurs (nouveaux)", "CO₂/kg", "Évolution kg"],
            rows,
            (20, 16, 14, 18, 24, 22, 26, 18, 22),
            ("LEFT", *("RIGHT",) * 8),
        )  # fmt: skip

    title("5. Contrôles")
    findings = findings_table(data.findings)
    if findings.empty:
        para("Aucune anomalie relevée.")
    else:
        rows = [
            [SEVERITY_FR[r["severity"]], r["check"], r["where"], r["message"]]
            for r in _records(findings)
        ]
        table(["Gravité", "Contrôle", "Où", "Constat"], rows, (18, 20, 40, 102))

    title("Annexe — dépenses enregistrées")
    if data.expenses.empty:
        para("Aucune dépense enregistrée.")
    else:
        rows = [
            [
                str(r["action"]),
                convention.party(r["funder"]).name if r["funder"] in funders else str(r["funder"]),
                pd.Timestamp(r["date"]).strftime("%d/%m/%Y"),
                str(r["label"]),
                str(r["document"]),
                fmt.eur(r["amount_eur"], 2),
            ]
            for r in _records(data.expenses.sort_values(["action", "date"], kind="stable"))
        ]
        table(
            ["Action", "Financeur", "Date", "Libellé", "Pièce", "Montant"],
            rows,
            (14, 28, 18, 72, 26, 22),
            ("LEFT",) * 5 + ("RIGHT",),
        )
    return bytes(pdf.output())


# ------------------------------------------------------------------------------------- XLSX


def _autofit(sheet: Any) -> None:
    for column in sheet.columns:
        width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        sheet.column_dimensions[column[0].column_letter].width = min(max(width + 2, 8), 60)


def write_xlsx(data: ReportData, path: str | Path) -> Path:
    """The ledger as a workbook: commitments, financial statement, expenditures, indicator
    values, Axe 3 per association and prospection, checks. Text cells that a spreadsheet would
    run as a formula are neutralised (leading ``'``)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    convention = data.convention
    sheets: list[tuple[str, pd.DataFrame]] = [
        ("Engagements", convention.commitment_table()),
        ("Bilan financier", financial_statement(data)),
        ("Dépenses", data.expenses),
        ("Indicateurs", convention.indicators_table()),
        ("Valeurs indicateurs", data.values),
        ("Axe 3 par structure", data.axis3.per_association()),
        ("Axe 3 prospection", data.axis3.prospection),
        ("Registre 3.1 opportunités", data.axis3.opportunities),
        ("Contrôles", findings_table(data.findings)),
    ]
    book = Workbook()
    book.remove(book.active)
    for name, table in sheets:
        sheet = book.create_sheet(name)
        sheet.append([neutralise_cell(str(c)) for c in table.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.itertuples(index=False):
            sheet.append([_cell(v) for v in row])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "DD/MM/YYYY"
        sheet.freeze_panes = "A2"
        _autofit(sheet)
    out = Path(path)
    book.save(out)
    return out


def _cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool | int | float | dt.date):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters (a vertical tab pasted from a spreadsheet…) are not allowed in xlsx.
    return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


# ------------------------------------------------------------------------------------ files


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pdf: Path
    xlsx: Path


def write_report(data: ReportData, out_dir: str | Path) -> ReportFiles:
    """Write ``rapport_execution_<year>.html``, ``.pdf`` and ``registre_<year>.xlsx``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    year = data.convention.year
    html = out / f"rapport_execution_{year}.html"
    html.write_text(render_html(data), encoding="utf-8")
    pdf = out / f"rapport_execution_{year}.pdf"
    pdf.write_bytes(render_pdf(data))
    xlsx = write_xlsx(data, out / f"registre_{year}.xlsx")
    return ReportFiles(html=html, pdf=pdf, xlsx=xlsx)
