"""Charts of the execution report (matplotlib, Agg backend), as PNG bytes."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from aide_alim.i18n import fmt

if TYPE_CHECKING:
    from aide_alim.ledger.report_content import ReportData

DPI = 110
BLUE, ORANGE, GREY = "#1f5a96", "#e08a1e", "#9aa5b1"
MAX_STACKED = 12
OTHERS = "__autres__"


def _text(label: str) -> str:
    """A user's label shown literally: matplotlib would read ``$…$`` as mathematics."""
    return label.replace("$", r"\$")


def _png(fig: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def financial(data: ReportData) -> bytes:
    """Committed vs spent per action and funder [€] (grouped bars)."""
    from aide_alim.ledger.report_content import financial_statement

    convention = data.convention
    table = financial_statement(data)
    fig, ax = plt.subplots(figsize=(8.5, 3.4))
    n = len(convention.funders)
    width = 0.8 / (2 * n)
    positions = range(len(table))
    colors = [BLUE, ORANGE, GREY, "#5b8c3a"]
    for k, funder in enumerate(convention.funders):
        name = _text(convention.party(funder).name)
        color = colors[k % len(colors)]
        base = [p - 0.4 + (2 * k + 0.5) * width for p in positions]
        ax.bar(
            base,
            table[f"committed_{funder}"],
            width,
            color=color,
            alpha=0.35,
            label=f"{name} — engagé",
        )
        ax.bar(
            [b + width for b in base],
            table[f"spent_{funder}"],
            width,
            color=color,
            label=f"{name} — dépensé",
        )
    ax.set_xticks(list(positions), table["action"].tolist())
    ax.set_ylabel("€")
    ax.set_title(f"Engagé et dépensé par action, {convention.year}")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt.number(v)))
    ax.legend(fontsize=7, ncols=2)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def weekly_volume(data: ReportData) -> bytes | None:
    """kg received per week, stacked by association (the largest ``MAX_STACKED`` - 1, then the
    others together)."""
    weekly = data.axis3.weekly
    if weekly.empty:
        return None
    if weekly["week"].nunique() < 2:  # no weeks to compare: what each structure received
        return _barh(data.axis3.volume, "kg", "kg reçus par structure (1 semaine publiée)", "kg")
    pivot = weekly.pivot_table(
        index="week", columns="association", values="kg", aggfunc="sum", fill_value=0.0
    ).sort_index()
    names = dict(zip(data.axis3.volume["association"], data.axis3.volume["name"], strict=False))
    if len(pivot.columns) > MAX_STACKED:
        # Past a dozen structures a stacked legend is unreadable: the largest ones, then the rest.
        top = pivot.sum().sort_values(ascending=False).index[: MAX_STACKED - 1]
        rest = pivot.drop(columns=top).sum(axis=1)
        pivot = pivot[top].assign(**{OTHERS: rest})
        names[OTHERS] = f"{len(names) - len(top)} autres structures"
    fig, ax = plt.subplots(figsize=(8.5, 3.6))
    bottom = pd.Series(0.0, index=pivot.index)
    cmap = plt.get_cmap("tab20")
    for k, association in enumerate(pivot.columns):
        ax.bar(
            range(len(pivot)),
            pivot[association],
            bottom=bottom,
            color=GREY if association == OTHERS else cmap(k % 20),
            label=_text(str(names.get(association) or association)),
        )
        bottom += pivot[association]
    step = max(1, len(pivot) // 12)
    ax.set_xticks(range(0, len(pivot), step), pivot.index[::step], rotation=45, fontsize=7)
    ax.set_ylabel("kg reçus")
    ax.set_title("Volume hebdomadaire reçu par structure")
    ax.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def _barh(table: pd.DataFrame, column: str, title: str, xlabel: str, scale: float = 1.0) -> bytes:
    ordered = table.sort_values(column)
    labels = [
        _text(str(n or a)) for n, a in zip(ordered["name"], ordered["association"], strict=False)
    ]
    fig, ax = plt.subplots(figsize=(6.5, 0.3 * len(ordered) + 1.2))
    ax.barh(labels, ordered[column] * scale, color=BLUE)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=7)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def regularity(data: ReportData) -> bytes | None:
    table = data.axis3.regularity
    if table.empty or len(data.axis3.weeks) < 2:  # with one week every structure is at 100 %
        return None
    return _barh(
        table,
        "share_served",
        "Régularité : part des semaines servies",
        "% des semaines publiées",
        scale=100,
    )


def financial_impact(data: ReportData) -> bytes | None:
    table = data.axis3.financial
    if table.empty:
        return None
    return _barh(table, "net_value_eur", "Impact financier : valeur nette reçue", "€")


def draw_all(data: ReportData) -> dict[str, bytes]:
    """Every chart that has data, by name (the names the report refers to)."""
    drawn = {
        "financial": financial(data),
        "weekly_volume": weekly_volume(data),
        "regularity": regularity(data),
        "financial_impact": financial_impact(data),
    }
    return {name: png for name, png in drawn.items() if png is not None}
