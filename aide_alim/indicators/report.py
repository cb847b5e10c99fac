"""Rendering the indicators: a text table, CSV, an Excel workbook, a French HTML page.

The HTML page is self-contained (charts embedded as base64 PNG, no network needed): weekly
volume per association, a regularity heat map (kg received per association and week) and the
cumulative fill ratios; every string from the data is escaped (Jinja2 autoescape). CSV and
Excel cells that a spreadsheet would run as a formula are neutralised.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment

from aide_alim.documents.safety import neutralise_frame
from aide_alim.i18n import fmt

#: French titles of the indicator tables (keys of :data:`aide_alim.indicators.INDICATORS`).
TITLES_FR: Mapping[str, str] = {
    "summary": "Synthèse par structure",
    "volume": "Volumes reçus par semaine, catégorie et classe de température",
    "weekly": "Volumes reçus par semaine",
    "regularity": "Régularité des approvisionnements",
    "financial": "Impact financier",
    "fairness": "Équité dans le temps : taux de couverture cumulé",
    "fairness_gini": "Équité dans le temps : dispersion entre structures",
    "action_31": "Action 3.1 : opportunités de marchés rendues accessibles",
}

#: French column labels (with units) for the HTML page.
COLUMNS_FR: Mapping[str, str] = {
    "week": "Semaine",
    "association": "Structure (id)",
    "name": "Structure",
    "category": "Catégorie",
    "temperature": "Température",
    "weeks": "Semaines",
    "weeks_served": "Semaines servies",
    "share_served": "Part des semaines servies",
    "mean_kg": "Moyenne (kg/sem.)",
    "cv_kg": "Coefficient de variation",
    "longest_gap_weeks": "Plus longue interruption (sem.)",
    "trend_kg_per_week": "Tendance (kg/sem. par sem.)",
    "kg": "kg",
    "meals": "Repas",
    "value_eur": "Valeur marchande (€)",
    "paid_eur": "Montant payé (€)",
    "net_value_eur": "Valeur nette (€)",
    "logistics_eur": "Part de la logistique (€)",
    "value_eur_per_kg": "Valeur (€/kg)",
    "cost_eur_per_kg": "Coût (€/kg)",
    "need_kg": "Besoin (kg)",
    "other_supply_kg": "Autres apports (kg)",
    "fill_ratio": "Taux de couverture",
    "cum_kg": "kg cumulés",
    "cum_other_kg": "Autres apports cumulés (kg)",
    "cum_need_kg": "Besoin cumulé (kg)",
    "cum_fill_ratio": "Taux de couverture cumulé",
    "associations": "Structures",
    "gini": "Indice de Gini",
    "min": "Minimum",
    "max": "Maximum",
    "spread": "Écart max − min",
    "std": "Écart-type",
    "offers": "Offres",
    "suppliers": "Fournisseurs",
    "kg_offered": "kg proposés",
    "value_offered_eur": "Valeur proposée (€)",
    "kg_donated": "kg donnés",
    "kg_bought": "kg achetés",
    "share_donated": "Part donnée",
    "kg_distributed": "kg distribués",
    "value_distributed_eur": "Valeur distribuée (€)",
    "cum_suppliers": "Fournisseurs distincts (cumul)",
    "cum_offers": "Offres (cumul)",
    "cum_kg_offered": "kg proposés (cumul)",
    "cum_value_offered_eur": "Valeur proposée (cumul, €)",
    "cum_kg_distributed": "kg distribués (cumul)",
    "cum_value_distributed_eur": "Valeur distribuée (cumul, €)",
    "cum_share_donated": "Part donnée (cumul)",
}

FORMATS = ("table", "csv", "xlsx", "html")

#: Columns holding a ratio (0–1), shown as percentages on the HTML page; per table, ``*`` for all.
PERCENT_COLUMNS: Mapping[str, frozenset[str]] = {
    "*": frozenset(
        {"share_served", "fill_ratio", "cum_fill_ratio", "share_donated", "cum_share_donated"}
    ),
    "fairness_gini": frozenset({"min", "max", "spread", "std"}),  # of cumulative fill ratios
}


def _percent(value: object) -> str:
    """A ratio as a percentage with one decimal: ``0.736`` → ``73,6 %``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _number(value)
    return fmt.pct(value, 1)


def _number(value: object) -> str:
    """A cell the French way: ``1 234,56``, ``oui``/``non``; text as it is. Whole numbers
    without decimals (``84`` kg, ``168`` repas), others with the decimals they have (``0,5``,
    ``117,2``), at most two (three below 1)."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, int):
        return fmt.number(value)
    if isinstance(value, float):
        most = 2 if abs(value) >= 1 or value == 0 else 3
        decimals = next((d for d in range(most) if round(value, d) == round(value, most)), most)
        return fmt.number(value, decimals)
    return str(value)


def _euros(value: object) -> str:
    """Money with its cents (``116,50``; ``0,00``), as an accountant reads a column."""
    if isinstance(value, float) and not isinstance(value, bool):
        return fmt.number(value, 2)
    return _number(value)


def render_text(tables: Mapping[str, pd.DataFrame], keys: tuple[str, ...] = ()) -> str:
    """Plain-text tables (the summary, fairness and action 3.1 unless ``keys`` says otherwise):
    in French (titles, headers, names, numbers as the HTML page shows them) unless the user
    asked for English, where the machine names and plain numbers stay."""
    from aide_alim.i18n import language

    french = language() != "en"
    keys = keys or ("summary", "fairness_gini", "action_31")
    parts = []
    for key in keys:
        table = tables[key]
        title = TITLES_FR.get(key, key)
        parts.append(f"== {title}" if french else f"== {key}: {title}")
        if table.empty:
            parts.append(
                "(aucune semaine publiée sur la période)"
                if french
                else "(no published week in the period)"
            )
        elif french:
            headers, rows = _cells(table, key)
            parts.append(_aligned(headers, rows))
        else:
            parts.append(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
        parts.append("")
    return "\n".join(parts)


def _aligned(headers: list[str], rows: list[list[tuple[str, bool]]]) -> str:
    """Text columns: names to the left, numbers to the right."""
    widths = [max([len(h), *(len(r[i][0]) for r in rows)]) for i, h in enumerate(headers)]
    numeric = [any(r[i][1] for r in rows) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.rjust(w) if n else c.ljust(w) for c, w, n in zip(cells, widths, numeric, strict=True)
        ).rstrip()

    return "\n".join([line(headers), *(line([text for text, _n in r]) for r in rows)])


def _cells(table: pd.DataFrame, key: str) -> tuple[list[str], list[list[tuple[str, bool]]]]:
    """French headers and cell texts (with whether each is a number) of one indicator table:
    names rather than ids, percentages, euros with cents, other numbers as they are."""
    if "name" in table.columns and "association" in table.columns:  # names, not ids
        table = table.drop(columns="association")
    percent = PERCENT_COLUMNS["*"] | PERCENT_COLUMNS.get(key, frozenset())
    shows = [
        _percent if c in percent else _euros if "eur" in str(c).split("_") else _number
        for c in table.columns
    ]
    rows = [
        [
            (show(v), isinstance(v, int | float) and not isinstance(v, bool))
            for show, v in zip(shows, row, strict=True)
        ]
        for row in table.itertuples(index=False, name=None)
    ]
    return [COLUMNS_FR.get(c, c) for c in table.columns], rows


def write_csv(table: pd.DataFrame, path: Path | io.StringIO) -> None:
    """One indicator table as UTF-8 CSV (formula-like cells neutralised)."""
    neutralise_frame(table).to_csv(path, index=False)


def write_xlsx(tables: Mapping[str, pd.DataFrame], path: Path) -> None:
    """Every indicator table, one sheet each (formula-like cells neutralised)."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for key, table in tables.items():
            neutralise_frame(table).to_excel(writer, sheet_name=key[:31], index=False)


# -- HTML ---------------------------------------------------------------------------------------


def _png(fig: object) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")  # type: ignore[attr-defined]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _week_ticks(ax: Any, weeks: list[str]) -> None:
    """Week labels on the x axis, at most about 26 of them."""
    step = max(1, math.ceil(len(weeks) / 26))
    ax.set_xticks(range(0, len(weeks), step), weeks[::step], rotation=60, fontsize=7)


def _labels(weekly: pd.DataFrame) -> dict[str, str]:
    return dict(zip(weekly["association"], weekly["name"].fillna(""), strict=False))


def chart_weekly_volume(weekly: pd.DataFrame) -> str | None:
    """Sorted bars: kg each association received over the period (base64 PNG).

    One colour and one bar per association, largest at the top: 36 stacked colours could not
    be told apart, and a stack over weeks means nothing when one week is published.
    """
    if weekly.empty:
        return None
    from matplotlib.figure import Figure

    names = _labels(weekly)
    totals = weekly.groupby("association")["kg"].sum().sort_values()
    weeks = weekly["week"].nunique()
    height = max(2.5, 0.26 * len(totals) + 1.0)
    fig = Figure(figsize=(10, height))
    ax = fig.subplots()
    labels = [_text(names.get(a, a) or a) for a in totals.index]
    # Positions, not labels, on the axis: two names cut to the same text stay two bars.
    ax.barh(range(len(labels)), totals.to_numpy(dtype=float), color="#00798c")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(-0.6, len(labels) - 0.4)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("kg reçus")
    ax.xaxis.set_major_formatter(_thousands())
    ax.set_title(f"kg reçus par structure sur la période ({fmt.plural(weeks, 'semaine')})")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def chart_regularity(weekly: pd.DataFrame) -> str | None:
    """Heat map: kg received per association (rows) and week (columns); white = nothing.
    ``None`` with fewer than two weeks: regularity needs weeks to compare."""
    if weekly.empty or weekly["week"].nunique() < 2:
        return None
    from matplotlib.figure import Figure

    pivot = weekly.pivot_table(index="association", columns="week", values="kg", aggfunc="sum")
    pivot = pivot.sort_index().sort_index(axis=1)
    names = _labels(weekly)
    height = max(2.5, 0.22 * len(pivot.index) + 1.2)
    fig = Figure(figsize=(10, height))
    ax = fig.subplots()
    masked = pivot.where(pivot > 1e-9)
    image = ax.imshow(masked.to_numpy(dtype=float), aspect="auto", cmap="viridis")
    labels = [_text(names.get(a, a) or a) for a in pivot.index]
    ax.set_yticks(range(len(pivot.index)), labels, fontsize=7)
    _week_ticks(ax, list(pivot.columns))
    ax.set_title("Régularité : kg reçus par structure et par semaine (blanc = rien reçu)")
    fig.colorbar(image, ax=ax, label="kg")
    return _png(fig)


def chart_fairness(fairness: pd.DataFrame, weekly: pd.DataFrame) -> str | None:
    """The spread of cumulative fill ratios week after week: lowest, median and highest
    association (one band, not one line per association). ``None`` with fewer than two weeks."""
    if fairness.empty or fairness["week"].nunique() < 2:
        return None
    from matplotlib.figure import Figure

    spread = fairness.groupby("week")["cum_fill_ratio"].agg(["min", "median", "max"]).sort_index()
    x = range(len(spread.index))
    fig = Figure(figsize=(10, 3.8))
    ax = fig.subplots()
    ax.fill_between(x, 100 * spread["min"], 100 * spread["max"], color="#00798c", alpha=0.2,
                    label="de la moins à la mieux couverte")  # fmt: skip
    ax.plot(x, 100 * spread["median"], color="#00798c", linewidth=2, label="médiane")
    ax.plot(x, 100 * spread["min"], color="#d1495b", linewidth=1.2, label="la moins couverte")
    _week_ticks(ax, list(spread.index))
    ax.set_ylabel("taux de couverture cumulé [%]")
    ax.set_title("Équité dans le temps : taux de couverture cumulé des structures")
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def _text(label: str) -> str:
    """A user's name shown literally (matplotlib reads ``$…$`` as mathematics), cut short."""
    label = label if len(label) <= 60 else label[:59].rsplit(" ", 1)[0] + "…"
    return label.replace("$", r"\$")


def _thousands() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _: fmt.number(v))


_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<title>Indicateurs d'approvisionnement — {{ period }}</title>
<style>
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 2em; font-size: 0.85em; }
td:first-child { min-width: 12em; }
th { font-size: 0.9em; }
body { max-width: 75em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #eef; }
img { max-width: 100%; }
</style></head><body>
<h1>Indicateurs d'approvisionnement des structures d'aide alimentaire</h1>
<p>Période : {{ period }} ({{ weeks }}). Les quantités sont celles
effectivement reçues lorsque la structure les a déclarées, sinon celles du plan publié.
Un repas compte pour {{ kg_per_meal }} kg.</p>
{% if single %}<p>Une seule semaine est publiée : la régularité et l'équité dans le temps se
liront à partir de la deuxième.</p>{% endif %}
{% for chart in charts %}{% if chart.png %}
<figure><img alt="{{ chart.title }}" src="data:image/png;base64,{{ chart.png }}">
</figure>{% endif %}{% endfor %}
{% for section in sections %}
<h2>{{ section.title }}</h2>
{% if section.rows %}<table><thead><tr>{% for h in section.headers %}<th>{{ h }}</th>{% endfor %}
</tr></thead><tbody>
{% for row in section.rows %}<tr>{% for cell, numeric in row %}
<td{% if numeric %} class="n"{% endif %}>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% else %}<p>Aucune semaine publiée sur la période.</p>{% endif %}
{% endfor %}
</body></html>
"""


def render_html(
    tables: Mapping[str, pd.DataFrame],
    *,
    period: str = "",
    keys: tuple[str, ...] = ("summary", "regularity", "financial", "fairness_gini", "action_31"),
    kg_per_meal: float = 0.5,
) -> str:
    """The indicators as one self-contained French HTML page (charts embedded).

    ``period``: shown in the title; by default the first and last published weeks.
    """
    env = Environment(autoescape=True)
    weekly = tables["weekly"]
    charts = [
        {"title": "kg reçus par structure sur la période", "png": chart_weekly_volume(weekly)},
        {"title": "Régularité (carte de chaleur)", "png": chart_regularity(weekly)},
        {
            "title": "Taux de couverture cumulé",
            "png": chart_fairness(tables["fairness"], weekly),
        },
    ]
    sections = []
    for key in keys:
        headers, rows = _cells(tables[key], key)
        sections.append({"title": TITLES_FR.get(key, key), "headers": headers, "rows": rows})
    weeks = int(weekly["week"].nunique()) if not weekly.empty else 0
    if not period:
        period = f"{weekly['week'].min()} → {weekly['week'].max()}" if weeks else "—"
    return env.from_string(_PAGE).render(
        period=period,
        weeks=fmt.plural(weeks, "semaine publiée"),
        single=weeks == 1,
        kg_per_meal=_number(kg_per_meal),
        charts=charts,
        sections=sections,
    )
