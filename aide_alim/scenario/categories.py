"""The default category table and the normalisation of category names typed by people.

Market values (€/kg) are **estimates**: the valuation per category used by the French food banks
(FFBA) could not be found in open data (see ``aide_alim/data/SOURCES.md``). They are set from
typical French hard-discount shelf prices and are meant to be overridden by a ``categories.csv``
in the scenario when the coordinator has better figures. Their ratios matter more than their
level: they weigh a kg of meat against a kg of potatoes when the policy's basis is ``value``.
"""

from __future__ import annotations

import re
import unicodedata
from types import MappingProxyType

from aide_alim.scenario.model import Category, Temperature

_ESTIMATE = "estimate: typical French hard-discount shelf price, 2020 (no open source found)"

DEFAULT_CATEGORIES: MappingProxyType[str, Category] = MappingProxyType(
    {
        c.id: c
        for c in (
            Category("fruits_legumes", "Fruits et légumes", Temperature.AMBIENT, 2.0, _ESTIMATE),
            Category("produits_laitiers", "Produits laitiers", Temperature.CHILLED, 3.0, _ESTIMATE),
            Category(
                "viande_poisson_oeufs", "Viande, poisson, œufs", Temperature.CHILLED, 9.0, _ESTIMATE
            ),
            Category("epicerie_seche", "Épicerie sèche", Temperature.AMBIENT, 2.5, _ESTIMATE),
            Category("conserves", "Conserves", Temperature.AMBIENT, 3.0, _ESTIMATE),
            Category("surgeles", "Surgelés", Temperature.FROZEN, 5.0, _ESTIMATE),
            Category("boissons", "Boissons", Temperature.AMBIENT, 1.0, _ESTIMATE),
            Category("pain", "Pain et viennoiseries", Temperature.AMBIENT, 2.5, _ESTIMATE),
            Category("plats_prepares", "Plats préparés", Temperature.CHILLED, 7.0, _ESTIMATE),
            Category("hygiene", "Hygiène", Temperature.AMBIENT, 6.0, _ESTIMATE),
            Category("entretien", "Produits d'entretien", Temperature.AMBIENT, 3.0, _ESTIMATE),
            Category("bebe", "Bébé", Temperature.AMBIENT, 8.0, _ESTIMATE),
        )
    }
)

# Names people write for a category, after :func:`slug`, mapped to the category id.
_ALIASES = {
    "fruits_et_legumes": "fruits_legumes",
    "fruits": "fruits_legumes",
    "legumes": "fruits_legumes",
    "fl": "fruits_legumes",
    "laitiers": "produits_laitiers",
    "produits_laitiers_frais": "produits_laitiers",
    "cremerie": "produits_laitiers",
    "viande": "viande_poisson_oeufs",
    "viande_poisson": "viande_poisson_oeufs",
    "viandes_poissons_oeufs": "viande_poisson_oeufs",
    "vpo": "viande_poisson_oeufs",
    "epicerie": "epicerie_seche",
    "sec": "epicerie_seche",
    "conserve": "conserves",
    "surgele": "surgeles",
    "boisson": "boissons",
    "boulangerie": "pain",
    "pain_et_viennoiseries": "pain",
    "plat_prepare": "plats_prepares",
    "traiteur": "plats_prepares",
    "droguerie": "entretien",
    "produits_d_entretien": "entretien",
    "bebes": "bebe",
    "puericulture": "bebe",
}

_TEMPERATURE_ALIASES = {
    "ambient": Temperature.AMBIENT,
    "ambiant": Temperature.AMBIENT,
    "sec": Temperature.AMBIENT,
    "dry": Temperature.AMBIENT,
    "chilled": Temperature.CHILLED,
    "frais": Temperature.CHILLED,
    "refrigere": Temperature.CHILLED,
    "positif": Temperature.CHILLED,
    "frozen": Temperature.FROZEN,
    "surgele": Temperature.FROZEN,
    "congele": Temperature.FROZEN,
    "negatif": Temperature.FROZEN,
}


def slug(text: str) -> str:
    """Lower-case ASCII with ``_`` between words: ``"Épicerie sèche"`` → ``"epicerie_seche"``."""
    ascii_text = (
        unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
        .encode("ascii", "ignore")
        .decode()
    )
    return re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")


def normalise_category(text: str, known: set[str] | frozenset[str] | None = None) -> str | None:
    """The category id ``text`` names, or ``None`` if it names none of ``known``."""
    known_ids = set(DEFAULT_CATEGORIES) if known is None else set(known)
    key = slug(text)
    if key in known_ids:
        return key
    alias = _ALIASES.get(key)
    return alias if alias in known_ids else None


def normalise_temperature(text: str) -> Temperature | None:
    """The temperature class ``text`` names (English or French), or ``None``."""
    return _TEMPERATURE_ALIASES.get(slug(text))
