"""The product catalogue: what the prospection finds, and what a typical lot of each looks like.

:data:`PRODUCTS` covers the 12 categories and the three temperature classes. Synthetic lots
(:mod:`aide_alim.scenario.synth_supply`) and the Dijon scenario (``scenarios/dijon/build.py``)
are drawn from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aide_alim.scenario.model import Temperature

A, C, F = Temperature.AMBIENT, Temperature.CHILLED, Temperature.FROZEN


@dataclass(frozen=True, slots=True)
class Product:
    """A product the prospection finds, with what a typical lot of it looks like.

    ``median_kg`` is the median size of a lot [kg]; ``unit_kg`` its carton or crate [kg];
    ``dating`` is ``"dlc"`` (use-by date), ``"ddm"`` (best-before date) or ``""`` (neither);
    a lot's date falls ``shelf_days`` (min, max) days after it becomes available; ``local``
    is false for what French farms do not grow (bananas, oranges).
    """

    label: str
    category: str
    temperature: Temperature
    median_kg: float
    unit_kg: float
    dating: str
    shelf_days: tuple[int, int]
    local: bool = True


#: The product catalogue of synthetic lots (and of the Dijon scenario). Each product's
#: temperature class agrees with its category's (cold or not), as the validator expects: UHT
#: milk, stored ambient but a dairy product, is left out for that reason.
PRODUCTS: tuple[Product, ...] = (
    Product("Pommes", "fruits_legumes", A, 120, 12, "ddm", (7, 25)),
    Product("Carottes", "fruits_legumes", A, 150, 10, "ddm", (5, 15)),
    Product("Pommes de terre", "fruits_legumes", A, 250, 25, "ddm", (10, 30)),
    Product("Oranges", "fruits_legumes", A, 100, 10, "ddm", (5, 15), local=False),
    Product("Tomates", "fruits_legumes", A, 60, 6, "ddm", (2, 6)),
    Product("Laitues", "fruits_legumes", A, 30, 3, "ddm", (2, 5)),
    Product("Courgettes", "fruits_legumes", A, 60, 5, "ddm", (3, 8)),
    Product("Bananes", "fruits_legumes", A, 90, 18, "ddm", (2, 6), local=False),
    Product("Yaourts nature", "produits_laitiers", C, 60, 4.8, "dlc", (3, 20)),
    Product("Fromage blanc", "produits_laitiers", C, 40, 6, "dlc", (3, 15)),
    Product("Emmental râpé", "produits_laitiers", C, 25, 2.5, "dlc", (5, 30)),
    Product("Beurre", "produits_laitiers", C, 20, 5, "dlc", (10, 40)),
    Product("Crèmes dessert", "produits_laitiers", C, 30, 3, "dlc", (5, 25)),
    Product("Poulet entier", "viande_poisson_oeufs", C, 40, 8, "dlc", (2, 7)),
    Product("Jambon blanc", "viande_poisson_oeufs", C, 20, 2, "dlc", (4, 14)),
    Product("Filets de poisson", "viande_poisson_oeufs", C, 15, 3, "dlc", (1, 4)),
    Product("Steaks hachés surgelés", "viande_poisson_oeufs", F, 40, 5, "ddm", (60, 240)),
    Product("Œufs", "viande_poisson_oeufs", C, 30, 1.9, "ddm", (10, 28)),
    Product("Pâtes", "epicerie_seche", A, 150, 12, "ddm", (90, 540)),
    Product("Riz", "epicerie_seche", A, 120, 10, "ddm", (90, 540)),
    Product("Farine", "epicerie_seche", A, 60, 10, "ddm", (60, 300)),
    Product("Sucre", "epicerie_seche", A, 50, 10, "ddm", (180, 720)),
    Product("Huile de tournesol", "epicerie_seche", A, 60, 6, "ddm", (90, 365)),
    Product("Céréales du petit-déjeuner", "epicerie_seche", A, 40, 3, "ddm", (30, 240)),
    Product("Biscuits", "epicerie_seche", A, 40, 4, "ddm", (14, 240)),
    Product("Café moulu", "epicerie_seche", A, 20, 3, "ddm", (90, 365)),
    Product("Haricots verts en conserve", "conserves", A, 90, 9, "ddm", (180, 900)),
    Product("Thon en conserve", "conserves", A, 40, 4, "ddm", (180, 1100)),
    Product("Ratatouille en conserve", "conserves", A, 60, 6, "ddm", (180, 900)),
    Product("Sardines à l'huile", "conserves", A, 25, 2.5, "ddm", (365, 1500)),
    Product("Compote de pommes", "conserves", A, 50, 5, "ddm", (60, 400)),
    Product("Légumes surgelés", "surgeles", F, 60, 6, "ddm", (60, 540)),
    Product("Poisson pané surgelé", "surgeles", F, 40, 4, "ddm", (60, 365)),
    Product("Frites surgelées", "surgeles", F, 60, 10, "ddm", (60, 540)),
    Product("Pizzas surgelées", "surgeles", F, 30, 4, "ddm", (30, 300)),
    Product("Eau minérale", "boissons", A, 200, 9, "ddm", (180, 600)),
    Product("Jus d'orange", "boissons", A, 80, 6, "ddm", (30, 300)),
    Product("Pain frais (invendus)", "pain", A, 25, 2.5, "ddm", (1, 2)),
    Product("Viennoiseries (invendus)", "pain", A, 10, 1, "ddm", (1, 3)),
    Product("Pain de mie", "pain", A, 30, 3, "ddm", (5, 20)),
    Product("Baguettes précuites surgelées", "surgeles", F, 30, 5, "ddm", (60, 300)),
    Product("Plats cuisinés frais", "plats_prepares", C, 30, 3, "dlc", (2, 8)),
    Product("Sandwichs", "plats_prepares", C, 10, 1, "dlc", (1, 3)),
    Product("Salades composées", "plats_prepares", C, 15, 1.5, "dlc", (1, 5)),
    Product("Plats cuisinés surgelés", "plats_prepares", F, 30, 4, "ddm", (60, 300)),
    Product("Savon et gel douche", "hygiene", A, 30, 3, "", (0, 0)),
    Product("Dentifrice", "hygiene", A, 10, 1, "", (0, 0)),
    Product("Protections hygiéniques", "hygiene", A, 15, 2, "", (0, 0)),
    Product("Shampooing", "hygiene", A, 20, 3, "", (0, 0)),
    Product("Lessive", "entretien", A, 60, 6, "", (0, 0)),
    Product("Liquide vaisselle", "entretien", A, 30, 6, "", (0, 0)),
    Product("Eau de Javel", "entretien", A, 40, 8, "", (0, 0)),
    Product("Lait infantile 2e âge", "bebe", A, 20, 2.4, "ddm", (120, 540)),
    Product("Petits pots bébé", "bebe", A, 20, 2.4, "ddm", (90, 540)),
    Product("Couches", "bebe", A, 30, 5, "", (0, 0)),
)
