"""The execution report of the convention (art. 2.4), in French: HTML, PDF and the ledger as .xlsx.

The report contains, as article 2.4 asks, a financial statement of every action (committed and
spent per funder), the results against each indicator, and a global synthesis; Axe 3 adds the
tables and charts of the history (volume, regularity and financial impact per association, the
prospection of action 3.1). The checks' findings are listed so the council votes on a report
that says what is still missing.

- :func:`collect_report` gathers the tables (pure once given the ledger and history tables);
- :func:`render_html` — one self-contained page (CSS inline, charts as base64 PNG), Jinja2 with
  autoescape on: every user string (labels, associations, document references) is escaped;
- :func:`render_pdf` — the same content with fpdf2 and the DejaVu Sans font (Unicode);
- :func:`write_xlsx` — the ledger as a workbook; text cells that a spreadsheet would run as a
  formula (starting with ``= + - @``, tab or carriage return) are prefixed with ``'``.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import math
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from aide_alim.db import Database
from aide_alim.documents.safety import neutralise_cell
from aide_alim.i18n import fmt
from aide_alim.ledger.axis3 import Axis3Tables
from aide_alim.ledger.checks import (
    SEVERITY_FR,
    Finding,
    findings_table,
    spent_by_action,
    values_of_year,
)
from aide_alim.ledger.convention import Convention

# ----------------------------------------------------------------------------- the content


@dataclass(frozen=True)
class ReportData:
    """Everything the report shows, for one convention year."""

    convention: Convention
    expenses: pd.DataFrame
    values: pd.DataFrame
    findings: tuple[Finding, ...]
    axis3: Axis3Tables
    generated_on: dt.date
    charts: Mapping[str, bytes] = field(default_factory=dict)


def collect_report(
    convention: Convention,
    expenses: pd.DataFrame,
    values: pd.DataFrame,
    findings: Iterable[Finding],
    axis3: Axis3Tables,
    *,
    generated_on: dt.date,
    charts: bool = True,
) -> ReportData:
    """Assemble the report's content (and draw its charts unless ``charts=False``)."""
    data = ReportData(
        convention=convention,
        expenses=expenses,
        values=values_of_year(values, convention.year),
        findings=tuple(findings),
        axis3=axis3,
        generated_on=generated_on,
    )
    if charts:
        from aide_alim.ledger import charts as drawing

        data = dataclasses.replace(data, charts=drawing.draw_all(data))
    return data


def build_report(
    db: Database,
    convention: Convention,
    *,
    today: dt.date,
    submitted_on: dt.date | None = None,
    refresh_axis3: bool = True,
) -> ReportData:
    """The report of the convention's year from the database: Axe 3's values refreshed from
    the history (unless ``refresh_axis3=False``), the ledger read, every check run."""
    from aide_alim.ledger.axis3 import axis3_from_database, fill_axis3
    from aide_alim.ledger.checks import run_checks
    from aide_alim.ledger.entries import read_expenses, read_indicator_values

    axis3 = axis3_from_database(db, convention)
    if refresh_axis3:
        fill_axis3(db, convention, axis3)
    expenses = read_expenses(db, convention)
    values = read_indicator_values(db, convention)
    findings = run_checks(convention, expenses, values, today=today, submitted_on=submitted_on)
    return collect_report(convention, expenses, values, findings, axis3, generated_on=today)


def financial_statement(data: ReportData) -> pd.DataFrame:
    """Per action: committed and spent per funder [€], total spent, execution rate, parity.

    Columns: axis, action, title, budget_eur, then ``committed_<funder>`` and ``spent_<funder>``
    for each funder, spent_eur, execution_rate, parity_ok.
    """
    convention = data.convention
    table = spent_by_action(convention, data.expenses)
    rule = convention.parity
    rows = []
    for action in convention.actions:
        part = table[table["action"] == action.id].set_index("funder")
        row: dict[str, Any] = {
            "axis": action.axis,
            "action": action.id,
            "title": action.title,
            "budget_eur": float(action.budget_eur),
        }
        for funder in convention.funders:
            row[f"committed_{funder}"] = float(part.at[funder, "committed_eur"])  # type: ignore[arg-type]
            row[f"spent_{funder}"] = float(part.at[funder, "spent_eur"])  # type: ignore[arg-type]
        row["spent_eur"] = float(part["spent_eur"].sum())
        row["execution_rate"] = row["spent_eur"] / row["budget_eur"] if row["budget_eur"] else 0.0
        row["parity_ok"] = round(row[f"spent_{rule.funder}"], 2) >= round(
            row[f"spent_{rule.at_least}"], 2
        )
        rows.append(row)
    return pd.DataFrame(rows)


def indicator_results(data: ReportData) -> pd.DataFrame:
    """One row per indicator of the convention with its results in words (``results``) and
    whether it has a value this year (``filled``). Per-association values are summarised
    (their detail is in the Axe 3 tables)."""
    rows = []
    values = data.values
    for ind in data.convention.indicators:
        mine = values[values["indicator"] == ind.id]
        overall = mine[mine["subject"] == ""]
        lines = []
        for v in overall.to_dict("records"):
            head = f"{v['period']}"
            if v["measure"]:
                head += f" — {v['measure']}"
            parts = []
            if v["value"] is not None and not pd.isna(v["value"]):
                decimals = 0 if float(v["value"]).is_integer() else 2
                number = (
                    fmt.pct(v["value"], 1)
                    if v["unit"] == "part (0–1)"
                    else f"{fmt.number(v['value'], decimals)} "
                    f"{_unit(v['unit'], v['value'])}".strip()
                )
                parts.append(number)
            if v["text"]:
                parts.append(str(v["text"]))
            lines.append(f"{head} : {' — '.join(parts)}")
        subjects = mine.loc[mine["subject"] != "", "subject"].nunique()
        if subjects:
            lines.append(f"détail pour {subjects} structures (partie Axe 3)")
        rows.append(
            {
                "action": ind.action,
                "indicator": ind.id,
                "label": ind.label,
                "kind": ind.kind,
                "unit": ind.unit,
                "filled": bool(len(mine)),
                "results": lines,
                "sources": sorted({str(s) for s in mine["source"] if s}),
            }
        )
    return pd.DataFrame(rows)


def _unit(unit: str, value: float) -> str:
    """A unit agreeing with its number: ``1 semaine``, ``2 semaines`` (French: below 2 is
    singular)."""
    if abs(float(value)) >= 2:
        return unit
    return " ".join(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in unit.split(" "))


def synthesis(data: ReportData) -> list[str]:
    """The global synthesis: a few sentences in French built from the figures."""
    convention = data.convention
    statement = financial_statement(data)
    sentences = []
    parts = []
    for funder in convention.funders:
        spent = statement[f"spent_{funder}"].sum()
        total = float(convention.funding_eur.get(funder, 0))
        rate = spent / total if total else float("nan")
        parts.append(
            f"{fmt.with_article(convention.party(funder).name)} {fmt.eur(spent, 2)} "
            f"({fmt.pct(rate, 1)} de son engagement de {fmt.eur(total, 0)})"
        )
    sentences.append(
        f"Au titre de l’année {convention.year}, les dépenses enregistrées s’élèvent à : "
        + " ; ".join(parts)
        + "."
    )
    breaches = statement.loc[~statement["parity_ok"], "action"].tolist()
    rule = convention.parity
    if breaches:
        sentences.append(
            f"La parité des financements (art. 2.3.2) n’est pas atteinte pour les actions "
            f"{', '.join(breaches)} : {fmt.with_article(convention.party(rule.funder).name)} y a "
            f"dépensé moins que {fmt.with_article(convention.party(rule.at_least).name)}."
        )
    else:
        sentences.append(
            "La parité des financements (art. 2.3.2) est respectée pour chaque action : "
            f"{fmt.with_article(convention.party(rule.funder).name)} a dépensé au moins autant "
            f"que {fmt.with_article(convention.party(rule.at_least).name)}."
        )
    results = indicator_results(data)
    sentences.append(
        f"{int(results['filled'].sum())} indicateurs sur {len(results)} sont renseignés pour "
        f"{convention.year}."
    )
    axis3 = data.axis3
    if not axis3.is_empty:
        kg = float(axis3.volume["kg"].sum())
        value = float(axis3.volume["value_eur"].sum())
        served = int((axis3.volume["kg"] > 0).sum())
        median_share = axis3.regularity["share_served"].median() if len(axis3.regularity) else None
        text = (
            "Axe 3 : le modèle de répartition a été appliqué sur "
            f"{fmt.plural(len(axis3.weeks), 'semaine publiée')} ; {fmt.number(kg)} kg de denrées "
            f"(valeur marchande {fmt.eur(value, 0)}) "
            f"ont été répartis entre {served} structures"
        )
        if median_share is not None:
            text += f", servies en médiane {fmt.pct(median_share, 0)} des semaines"
        sentences.append(text + ".")
    else:
        sentences.append("Axe 3 : aucune semaine publiée dans l’historique pour cette année.")
    errors = sum(f.severity == "error" for f in data.findings)
    warnings = sum(f.severity == "warning" for f in data.findings)
    sentences.append(
        f"Les contrôles relèvent {fmt.plural(errors, 'anomalie')} et "
        f"{fmt.plural(warnings, 'point à vérifier', 'points à vérifier')} "
        "(détail en fin de rapport)."
    )
    return sentences


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
        prospection=_records(_prospection_by_quarter(data.axis3)),
        opportunities=_records(data.axis3.opportunities),
        expenses=_records(expenses),
        findings=_records(findings),
        charts=charts,
    )


def _prospection_by_quarter(axis3: Axis3Tables) -> pd.DataFrame:
    from aide_alim.ledger.axis3 import week_quarter

    pro = axis3.prospection
    columns = ["period", "weeks", "offers", "suppliers", "kg", "value_eur", "donated_share"]
    if pro.empty:
        return pd.DataFrame(columns=columns)
    pro = pro.assign(period=pro["week"].map(week_quarter))
    grouped = pro.groupby("period", sort=True).agg(
        weeks=("week", "nunique"),
        offers=("offers", "sum"),
        kg=("kg_offered", "sum"),
        value_eur=("value_offered_eur", "sum"),
        donated_kg=("kg_donated", "sum"),
    )
    grouped["suppliers"] = [
        len(frozenset().union(*(axis3.supplier_ids.get(str(w), frozenset()) for w in weeks)))
        for weeks in pro.groupby("period", sort=True)["week"].agg(list)
    ]
    grouped["donated_share"] = grouped["donated_kg"] / grouped["kg"].where(grouped["kg"] > 0)
    return grouped.reset_index()[columns]


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
        pro = _prospection_by_quarter(axis3)
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
