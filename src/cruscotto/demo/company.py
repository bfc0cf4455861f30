"""Who the demo company is: an Italian IT-services and consulting agency.

Everything here is a fact about the company (its channels and their funnels, its
products, its customers' profile, its staff); the generator modules only animate it.
Volumes are per month at scale 1 and are multiplied by `--scale`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

NAME = "Alpina Digital S.r.l."
OWN_BRAND = "Alpina Digital"
COMPETITORS = ("Nordweb Consulting", "Datasfera", "Bitwise Partners")
CURRENCIES = ("EUR", "USD", "GBP")  # index 0 is the base currency


@dataclass(frozen=True)
class Channel:
    """A lead source and its funnel: the chance of each step, given the previous one."""

    name: str
    share: float  # of all leads
    to_mql: float
    to_sql: float
    to_opportunity: float
    to_won: float
    campaign: str | None = None  # the paid campaign series that feeds it
    monthly_spend: float = 0.0  # EUR per month at scale 1


# Most leads that qualify get a deal, and about a third of the deals are won: with these
# odds 16–17% of leads become customers (seed 000: B2B services convert 15–20% of leads)
# and the win rate is about 33% (docs/demo-company.md). The monthly spend is what the
# campaigns cost, about 8% of revenue: each channel's campaigns bring back 2.5 to 4.7
# times what they cost (ROI 150–370%).
CHANNELS: tuple[Channel, ...] = (
    Channel("paid_search", 0.22, 0.85, 0.80, 0.90, 0.31, "Google Ads", 75_000),
    Channel("organic_search", 0.16, 0.80, 0.75, 0.90, 0.30),
    Channel("referral", 0.10, 0.95, 0.85, 0.92, 0.48),
    Channel("events", 0.10, 0.85, 0.70, 0.90, 0.28, "Trade fairs & webinars", 38_000),
    Channel("linkedin", 0.14, 0.75, 0.70, 0.85, 0.26, "LinkedIn Ads", 35_000),
    Channel("email", 0.12, 0.70, 0.65, 0.85, 0.25, "Newsletter", 18_000),
    Channel("partner", 0.08, 0.90, 0.80, 0.90, 0.40),
    Channel("outbound", 0.08, 0.60, 0.55, 0.80, 0.20),
)
CHANNEL_NAMES = tuple(c.name for c in CHANNELS)
CAMPAIGN_CHANNELS = tuple(i for i, c in enumerate(CHANNELS) if c.campaign)
DEGRADING_CHANNEL = CHANNEL_NAMES.index("paid_search")
# Leads per month at scale 1, before the calendar's weights (August dip, growth).
LEADS_PER_MONTH = 1_250
BASE_CUSTOMERS = 2_500  # customers with contracts signed before the window, at scale 1

SEGMENTS = ("smb", "mid_market", "enterprise")
SEGMENT_SHARE = (0.55, 0.33, 0.12)
SEGMENT_DEAL_EUR = (2_000.0, 6_000.0, 20_000.0)  # median deal value
SEGMENT_WIN_FACTOR = (1.05, 1.0, 0.85)
SEGMENT_TICKETS_PER_MONTH = (0.2, 0.4, 0.8)
SIZE_BANDS = ("1-10", "11-50", "51-200", "201-1000", "1000+")
SEGMENT_SIZE_BANDS = ((0, 1), (2, 3), (3, 4))  # the two size bands each segment spans

INDUSTRIES = (
    "Manufacturing",
    "Retail",
    "Financial services",
    "Healthcare",
    "Logistics",
    "Professional services",
    "Public sector",
    "Energy",
    "Food & beverage",
    "Software",
)
COUNTRIES = ("IT", "DE", "FR", "ES", "NL", "AT", "GB", "US")
COUNTRY_SHARE = (0.58, 0.07, 0.05, 0.05, 0.03, 0.02, 0.09, 0.11)
COUNTRY_CURRENCY = np.array([0, 0, 0, 0, 0, 0, 2, 1])

# A won deal for a recurring product becomes a contract (amount = annual value); any other
# product becomes a delivery project.
PRODUCTS = (
    "Managed IT services",
    "Cloud hosting",
    "Support plan",
    "Cloud migration",
    "Cybersecurity assessment",
    "Software development",
    "IT consulting",
    "Training",
)
PRODUCT_SHARE = (0.25, 0.12, 0.15, 0.12, 0.10, 0.12, 0.10, 0.04)
RECURRING_PRODUCTS = 3  # the first three
PROJECT_DAYS = (0, 0, 0, 60, 25, 90, 45, 10)  # planned length of a delivery project
ADD_ON_PRODUCTS = (1, 2, 4, 7)  # what the Renewals/Upsell pipeline sells

LOST_REASONS = (
    "Price too high",
    "Chose a competitor",
    "No decision",
    "No budget",
    "Timing",
    "Scope mismatch",
)
LOST_REASON_SHARE = (0.28, 0.24, 0.18, 0.12, 0.10, 0.08)
CANCEL_REASONS = (
    "Price",
    "Moved to a competitor",
    "Budget cuts",
    "Service quality",
    "Brought in-house",
    "Company closed",
)
CANCEL_REASON_SHARE = (0.22, 0.25, 0.18, 0.15, 0.12, 0.08)
DOWNGRADE_REASON = "Downgrade to a smaller plan"
MONTHLY_CANCEL_HAZARD = 0.016
DOWNGRADE_SHARE = 0.06

COMPANY_WORDS = (
    "Alfa", "Borgo", "Castello", "Delta", "Etna", "Ferro", "Garda", "Ionio", "Lario",
    "Monviso", "Nord", "Olmo", "Po", "Quercia", "Riva", "Sole", "Tevere", "Umbra", "Vela",
    "Zenit", "Adige", "Brenta", "Cervino", "Dora", "Elba", "Fiume", "Gran Sasso", "Isonzo",
    "Lago", "Marmo", "Nettuno", "Orsa", "Piave", "Rocca", "Sirio", "Tirreno", "Volta",
)  # fmt: skip
COMPANY_KINDS = (
    "Meccanica", "Logistica", "Servizi", "Alimentari", "Tessile", "Impianti", "Energia",
    "Trasporti", "Costruzioni", "Farmaceutica", "Arredo", "Chimica", "Studio", "Consulting",
    "Group", "Systems", "Holding", "Industries",
)  # fmt: skip
# A third word that tells apart companies of the same name and trade, as real ones do.
NAME_TAGS = (
    "Nord", "Sud", "Est", "Ovest", "Centro", "Italia", "Europa", "Tech", "Lab", "Service",
    "Solutions", "Partners", "Plus", "Pro", "Nova", "Prima", "Alta", "Uno", "Due", "Tre",
    "Sistemi", "Progetti", "Network", "Global", "Point", "Line", "Italiana", "Veneta",
    "Lombarda", "Toscana", "Emiliana", "Piemontese", "Ligure", "Adriatica", "Alpina",
    "Padana", "Romana", "Sicula", "Sarda", "Friulana",
)  # fmt: skip
# After every combination of the words above is used, names go on with a town.
NAME_TOWNS = (
    "Bergamo", "Brescia", "Como", "Cremona", "Lecco", "Lodi", "Mantova", "Monza", "Pavia",
    "Sondrio", "Varese", "Novara", "Biella", "Cuneo", "Asti", "Alessandria", "Vercelli",
    "Aosta", "Trento", "Bolzano", "Verona", "Vicenza", "Padova", "Treviso", "Belluno",
    "Rovigo", "Udine", "Pordenone", "Gorizia", "Trieste", "Parma", "Modena", "Reggio",
    "Piacenza", "Ferrara", "Ravenna", "Rimini", "Forlì", "Imola", "Genova", "Savona",
    "La Spezia", "Pisa", "Lucca", "Livorno", "Arezzo", "Siena", "Prato", "Pistoia",
    "Perugia", "Terni", "Ancona", "Pesaro", "Macerata", "Pescara", "Latina", "Bari",
    "Lecce", "Salerno", "Palermo",
)  # fmt: skip
LEGAL_FORMS = ("S.r.l.", "S.p.A.", "S.n.c.", "GmbH", "SAS", "S.L.", "B.V.", "GmbH", "Ltd", "Inc.")
COUNTRY_LEGAL_FORM = (0, 3, 4, 5, 6, 7, 8, 9)  # per COUNTRIES; Italy also uses 1 and 2

FIRST_NAMES = (
    "Giulia", "Marco", "Francesca", "Luca", "Chiara", "Andrea", "Sara", "Matteo", "Elena",
    "Davide", "Valentina", "Simone", "Martina", "Federico", "Alessia", "Paolo", "Silvia",
    "Stefano", "Laura", "Roberto", "Irene", "Giorgio", "Anna", "Fabio", "Marta", "Nicola",
)  # fmt: skip
LAST_NAMES = (
    "Rossi", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo",
    "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
    "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli",
    "Martini", "Leone", "Longo", "Gentile", "Martinelli", "Vitale", "Serra", "Coppola",
)  # fmt: skip


@dataclass(frozen=True)
class Role:
    role: str
    team: str
    per_scale: float  # headcount at scale 1
    minimum: int
    capacity_hours: float


ROLES: tuple[Role, ...] = (
    Role("ae", "Sales", 16, 3, 8.0),
    Role("sdr", "Inside Sales", 10, 2, 8.0),
    Role("account_manager", "Customer Success", 14, 2, 8.0),
    Role("support", "Support", 14, 2, 8.0),
    Role("consultant", "Delivery", 34, 3, 7.5),
    Role("manager", "Management", 6, 1, 8.0),
)
AE_TEAMS = ("Sales Italy", "Sales International")


# People who left during the window: (role, which one of that role, months before today's
# month). Their `active` is false; from the day they left a colleague of the same role
# takes their open leads, deals and accounts (docs/demo-company.md).
LEAVERS = (("ae", 1, 4), ("sdr", 0, 9))
LEFT_ON_DAY = 10  # days into that month
NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class Staff:
    """The reps, as parallel arrays; `by_role[role]` are the rep numbers in that role."""

    numbers: np.ndarray
    names: tuple[str, ...]
    teams: tuple[str, ...]
    roles: tuple[str, ...]
    capacity: np.ndarray
    skill: np.ndarray  # AE win-rate multiplier (1 for everyone else)
    by_role: dict[str, np.ndarray]
    left_at: np.ndarray  # by rep number: the second they left, NEVER for those still here
    successor: np.ndarray  # by rep number: who took over their work (themselves if none)

    def on_duty(self, rep: np.ndarray, at: np.ndarray | int) -> np.ndarray:
        """Who does the work of `rep` at `at`: the rep, or their successor once they left."""
        rep = np.asarray(rep)
        return np.where(self.left_at[rep] <= at, self.successor[rep], rep)

    @property
    def active(self) -> np.ndarray:
        return self.left_at[self.numbers] == NEVER

    def with_leavers(self, month_starts: np.ndarray, this_month: int) -> Staff:
        """The staff with LEAVERS gone (`month_starts[this_month]` is today's month)."""
        left_at, successor = self.left_at.copy(), self.successor.copy()
        for role, which, months_before in LEAVERS:
            members = self.by_role[role]
            if len(members) < 2 or which >= len(members):
                continue
            leaver = members[which]
            left_at[leaver] = month_starts[this_month - months_before] + LEFT_ON_DAY * 86_400
            # A colleague of the same team takes over (the next one of the role if none).
            others = np.roll(members, -which)[1:]
            same_team = [m for m in others if self.teams[m - 1] == self.teams[leaver - 1]]
            successor[leaver] = same_team[0] if same_team else others[0]
        return dataclasses.replace(self, left_at=left_at, successor=successor)

    @property
    def improving_rep(self) -> int:
        """Story line: the first AE, hired at the start of the window, learns fast."""
        return int(self.by_role["ae"][0])

    def win_multiplier(self, owner: np.ndarray, progress: np.ndarray) -> np.ndarray:
        """How much better or worse than the company average each deal's owner sells."""
        multiplier = self.skill[owner]
        ramp = IMPROVING_REP_FROM + (IMPROVING_REP_TO - IMPROVING_REP_FROM) * progress
        return np.where(owner == self.improving_rep, ramp, multiplier)


IMPROVING_REP_FROM, IMPROVING_REP_TO = 0.3, 2.3


def build_staff(scale: float, rng: np.random.Generator) -> Staff:
    numbers, names, teams, roles, capacity = [], [], [], [], []
    by_role: dict[str, list[int]] = {}
    for role in ROLES:
        headcount = max(role.minimum, round(role.per_scale * scale))
        for i in range(headcount):
            number = len(numbers) + 1
            team = AE_TEAMS[i % 2] if role.role == "ae" else role.team
            # Mixed radix over first and last names: distinct until there are 858 people.
            first = FIRST_NAMES[number % len(FIRST_NAMES)]
            last = LAST_NAMES[(number // len(FIRST_NAMES) + number) % len(LAST_NAMES)]
            numbers.append(number)
            names.append(f"{first} {last}")
            teams.append(team)
            roles.append(role.role)
            part_time = rng.random() < 0.08
            capacity.append(role.capacity_hours * (0.6 if part_time else 1.0))
            by_role.setdefault(role.role, []).append(number)
    n = len(numbers) + 1  # arrays are indexed by rep number; slot 0 is unused
    skill = np.ones(n)
    aes = np.array(by_role["ae"])
    skill[aes] = rng.uniform(0.8, 1.2, len(aes))
    return Staff(
        numbers=np.array(numbers),
        names=tuple(names),
        teams=tuple(teams),
        roles=tuple(roles),
        capacity=np.array(capacity),
        skill=skill,
        by_role={role: np.array(members) for role, members in by_role.items()},
        left_at=np.full(n, NEVER, dtype=np.int64),
        successor=np.arange(n),
    )


def pick(rng: np.random.Generator, shares: tuple[float, ...], n: int) -> np.ndarray:
    """`n` indexes drawn with the given shares (normalised)."""
    p = np.asarray(shares, dtype=float)
    return rng.choice(len(p), size=n, p=p / p.sum())


def lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: float, n: int
) -> np.ndarray:
    return np.asarray(median) * np.exp(sigma * rng.standard_normal(n))
