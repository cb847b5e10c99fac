"""A static map of the rounds (matplotlib, no tile server: works offline).

Longitude and latitude are drawn with the aspect ratio of the area's mean latitude, so distances
look right at city scale. Collection rounds are dashed, delivery and direct rounds solid, one
colour per vehicle.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from aide_alim.routing.plan import RoutePlan


def plot_plan(plan: RoutePlan, ax: Axes | None = None) -> Axes:
    """Draw the places and the rounds of ``plan`` on ``ax`` (a new figure if ``None``)."""
    if ax is None:
        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(9, 8))
    assert ax is not None
    places = plan.places
    markers = {"hub": ("*", 260, "black"), "association": ("o", 40, "tab:blue")}
    for kind, group in places.groupby("kind"):
        marker, size, colour = markers.get(str(kind), ("^", 50, "dimgray"))
        label = {"hub": "plateforme", "association": "association"}.get(str(kind), "fournisseur")
        ax.scatter(
            group["lon"], group["lat"], marker=marker, s=size, c=colour, label=label, zorder=3
        )
    stops = plan.stops[plan.stops["vehicle"] != ""]
    vehicles = sorted(stops["vehicle"].unique()) if not stops.empty else []
    cmap = matplotlib.colormaps["tab10"]
    for k, vehicle in enumerate(vehicles):
        tint = cmap(k % 10)
        mine = stops[stops["vehicle"] == vehicle]
        first = True
        for (_, family), route in mine.groupby(["day", "family"], sort=False):
            route = route.sort_values("seq")
            ax.plot(
                route["lon"],
                route["lat"],
                linestyle="--" if family == "collection" else "-",
                color=tint,
                linewidth=1.2,
                alpha=0.8,
                label=f"véhicule {vehicle}" if first else None,
            )
            first = False
    if not places.empty:
        mean_lat = float(places["lat"].mean())
        ax.set_aspect(1 / max(math.cos(math.radians(mean_lat)), 0.1))
    ax.set_xlabel("longitude (°)")
    ax.set_ylabel("latitude (°)")
    model = "plateforme" if plan.model == "hub" else "direct"
    ax.set_title(
        f"Tournées {plan.week} (modèle {model}) : {plan.totals['km']:.0f} km, "
        f"{plan.totals['rounds']} tournées"
    )
    ax.legend(loc="best", fontsize="small")
    return ax


def save_map(plan: RoutePlan, path: Path) -> Path:
    """Draw ``plan`` and save it to ``path`` (format from the suffix); returns ``path``."""
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 8))
    try:
        plot_plan(plan, ax=ax)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")
    finally:
        plt.close(fig)
    return path
