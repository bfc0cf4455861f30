"""Proposing a mapping for a file no preset recognises: which header feeds which column.

A header is matched to a canonical column by its name, in English, Italian or
Portuguese (`Codice`, `Importo`, `Data de criação`…), and then by what its values look
like (dates for a date column, numbers for an amount, three-letter codes for a currency).
The user confirms or changes every choice; nothing here is applied unseen.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd

from cruscotto.ingest import parsing
from cruscotto.ingest.readers import SourceTable
from cruscotto.model import Table

# Words a header may use for a canonical column, in en/it/pt (compared folded: no case,
# accents, spaces or punctuation). The column's own name always matches too.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "opportunity_id": (
        "deal id",
        "opportunity id",
        "id trattativa",
        "codice",
        "id negocio",
        "codigo",
        "record id",
        "id",
    ),
    "lead_id": ("lead id", "id lead", "contact id", "id contatto", "id contato"),
    "account_id": (
        "account",
        "company",
        "cliente",
        "azienda",
        "empresa",
        "conta",
        "account id",
        "organization",
    ),
    "owner_id": (
        "owner",
        "deal owner",
        "sales rep",
        "commerciale",
        "venditore",
        "responsabile",
        "vendedor",
        "responsavel",
        "proprietario",
    ),
    "rep_id": ("rep", "sales agent", "agente", "venditore", "vendedor", "owner"),
    "name": ("name", "nome", "ragione sociale", "razao social", "full name", "title"),
    "pipeline": ("pipeline", "funnel", "processo"),
    "stage": ("stage", "deal stage", "fase", "stato", "etapa", "estagio"),
    "status": ("status", "outcome", "esito", "resultado", "situacao"),
    "amount": ("amount", "value", "deal value", "importo", "valore", "valor", "close value"),
    "currency": ("currency", "valuta", "moeda"),
    "product": ("product", "prodotto", "produto", "service", "servizio", "servico"),
    "created_at": (
        "created",
        "create date",
        "created at",
        "creation date",
        "data creazione",
        "creata il",
        "creato il",
        "data de criacao",
        "criado em",
        "engage date",
        "open date",
        "data apertura",
    ),
    "closed_at": (
        "closed",
        "close date",
        "closed at",
        "data chiusura",
        "chiusa il",
        "data de fechamento",
        "fechado em",
        "won date",
    ),
    "expected_close_date": ("expected close", "data prevista", "previsao de fechamento"),
    "lost_reason": ("lost reason", "motivo perdita", "motivo da perda"),
    "probability": ("probability", "probabilita", "probabilidade"),
    "channel": (
        "channel",
        "source",
        "lead source",
        "origin",
        "canale",
        "fonte",
        "origine",
        "canal",
        "origem",
    ),
    "email": ("email", "e-mail", "posta elettronica"),
    "team": ("team", "squadra", "equipe", "office", "ufficio"),
    "industry": ("industry", "sector", "settore", "setor"),
    "country": ("country", "paese", "nazione", "pais"),
    "converted_at": ("converted", "converted at", "data conversione", "convertido em"),
}
_KINDS_FOR_TYPE = {"date": "date", "timestamp": "date", "float": "number", "int": "number"}


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Data de Criação' -> 'data de criacao'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


@dataclass
class ColumnProfile:
    """A header of the file, a few of its values and what they look like."""

    header: str
    samples: list[str]
    kind: str  # date, number, currency, text or empty


def profile(source: SourceTable, samples: int = 3) -> list[ColumnProfile]:
    out = []
    frame = source.frame.head(2000)
    for header in source.headers:
        text = parsing.as_text(frame[header], frame.index).str.strip()
        present = text[text != ""]
        out.append(ColumnProfile(header, present.unique()[:samples].tolist(), _kind(present)))
    return out


def _kind(values: pd.Series) -> str:
    if values.empty:
        return "empty"
    if values.str.fullmatch(r"[A-Z]{3}").all():
        return "currency"
    try:
        _, bad = parsing.to_timestamp(values, tz="UTC")
        if not bad.any():
            return "date"
    except parsing.AmbiguousDates:
        return "date"
    _, bad, _ = parsing.to_number(values)
    return "number" if not bad.any() else "text"


def suggest(table: Table, profiles: list[ColumnProfile]) -> dict[str, str | None]:
    """For each column of `table`, the header proposed for it (None: none fits)."""
    by_fold = {fold(p.header): p for p in profiles}
    used: set[str] = set()
    out: dict[str, str | None] = {}
    for column in table.columns:
        words = (
            fold(column.name.replace("_", " ")),
            *(fold(w) for w in SYNONYMS.get(column.name, ())),
        )
        wanted = _KINDS_FOR_TYPE.get(column.type)
        choice = None
        for word in words:
            found = by_fold.get(word)
            fits = wanted is None or found is not None and found.kind in (wanted, "empty")
            if found and found.header not in used and fits:
                choice = found.header
                break
        if choice is None and column.name == "currency":
            choice = next(
                (p.header for p in profiles if p.kind == "currency" and p.header not in used), None
            )
        if choice is not None:
            used.add(choice)
        out[column.name] = choice
    return out
