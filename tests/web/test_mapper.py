"""The column mapper: columns with samples and suggestions, preview, save, re-import."""

from __future__ import annotations

from types import SimpleNamespace

from cruscotto.ingest import saved_mappings
from tests.web.conftest import login

# A home-grown Italian sheet no preset knows: day-first dates, decimal comma.
SHEET = (
    "Codice;Cliente;Fase;Esito;Importo;Creata il;Chiusa il\n"
    "T-1;Alfa;Chiusa;won;1.200,50;03/02/2026;15/03/2026\n"
    "T-2;Beta;Proposta;open;;20/02/2026;\n"
    "T-3;Gamma;Chiusa;boh;300;21/02/2026;01/03/2026\n"
)


def upload(client, text: str = SHEET, table: str = "opportunities"):
    files = {"file": ("trattative.csv", text.encode("utf-8"), "text/csv")}
    return client.post("/api/data/mapper/columns", files=files, data={"table": table})


def test_columns_samples_and_suggestions(app):
    client = login(app, "admin")
    described = upload(client).json()
    headers = {h["header"]: h for h in described["headers"]}
    assert headers["Importo"]["samples"] == ["1.200,50", "300"]
    assert headers["Creata il"]["kind"] == "date"
    # Suggested from Italian names: Codice is the id, Fase the stage, Importo the amount.
    suggested = described["suggested"]
    assert (suggested["opportunity_id"], suggested["stage"], suggested["amount"]) == (
        "Codice",
        "Fase",
        "Importo",
    )
    assert (suggested["created_at"], suggested["closed_at"], suggested["status"]) == (
        "Creata il",
        "Chiusa il",
        "Esito",
    )
    assert suggested["pipeline"] is None  # nothing in the file is a pipeline


def test_preview_refuses_then_saves_and_reimports(app, web_warehouse):
    client = login(app, "manager")
    token = upload(client).json()["token"]
    fields = {
        "field.opportunity_id": "Codice",
        "field.stage": "Fase",
        "field.status": "Esito",
        "field.amount": "Importo",
        "field.created_at": "Creata il",
        "field.closed_at": "Chiusa il",
    }
    form = {"token": token, "table": "opportunities", **fields}
    # The pipeline is required and not chosen: said in the user's language.
    app.state.users.set_language("manager", "it")
    missing = client.post("/api/data/mapper/map", data=form)
    assert missing.status_code == 400
    assert missing.json()["detail"] == "Scegli una colonna del file per: Pipeline."
    form["field.pipeline"] = "Fase"
    preview = client.post("/api/data/mapper/map", data=form).json()
    # T-1 and T-2 land; T-3's outcome "boh" is not open/won/lost (row 4).
    assert [row[0] for row in preview["preview"]["rows"]] == ["T-1", "T-2"]
    assert preview["rejected"] == 1 and preview["rejects"][0]["row"] == 4
    amount = preview["preview"]["columns"].index("amount")
    assert preview["preview"]["rows"][0][amount] == "1200.5"  # 1.200,50 read with a comma
    assert "saved" not in preview and saved_mappings.listing(web_warehouse) == []

    saved = client.post(
        "/api/data/mapper/map", data=form | {"action": "save", "name": "Gestionale"}
    )
    assert saved.json()["saved"] == "Gestionale"
    [entry] = saved_mappings.listing(web_warehouse)
    assert (entry["name"], entry["table_name"], entry["saved_by"]) == (
        "Gestionale",
        "opportunities",
        "manager",
    )
    # Re-import through the import page's door, with the saved mapping (by an admin: the
    # deals name no owner, and a manager imports only deals of their teams' reps).
    fixed = SHEET.replace("boh", "lost")
    files = {"files": ("trattative.csv", fixed.encode("utf-8"), "text/csv")}
    report = (
        login(app, "admin")
        .post("/api/data/import", files=files, data={"saved_mapping": "Gestionale"})
        .json()
    )
    assert report["applied"] and report["totals"]["inserted"] == 3
    stored = web_warehouse.table("opportunities").order_by("opportunity_id").execute()
    assert stored["opportunity_id"].tolist() == ["T-1", "T-2", "T-3"]
    # 03/02/2026 day-first (15/03/2026 in the same file only fits day-first): 3 February,
    # midnight in Rome (the company's zone) = 23:00 UTC the day before.
    assert str(stored["created_at"].iloc[0]) == "2026-02-02 23:00:00"


def test_viewers_and_reps_cannot_map(app):
    for role in ("viewer", "rep"):
        assert upload(login(app, role)).status_code == 403


def test_every_table_and_column_has_a_label_in_every_language():
    # Before, the mapper offered 4 tables and the other 16 had no label: a user picking
    # contracts would have read "importing.column.mrr".
    from cruscotto.model import TABLES
    from cruscotto.web.i18n import LANGUAGES, Translator
    from cruscotto.web.routes.mapper import MAPPER_TABLES, column_label

    assert sorted(MAPPER_TABLES) == sorted(t.name for t in TABLES)
    for language in LANGUAGES:
        who = SimpleNamespace(t=Translator(language))
        for table in TABLES:
            title = who.t(f"importing.table.{table.name}")
            assert not title.startswith("importing."), (language, table.name)
            for column in table.columns:
                label = column_label(who, table.name, column.name)
                assert not label.startswith("importing."), (language, table.name, column.name)
                assert "_" not in label, label  # no snake_case on screen
    # A quote's status is not a deal's: each table says its own values.
    it = SimpleNamespace(t=Translator("it"))
    assert column_label(it, "opportunities", "status") == "Esito (aperta, vinta, persa)"
    assert column_label(it, "quotes", "status").startswith("Stato (richiesto, inviato")


# A contracts sheet in Italian: the fields and the preview read in Italian.
CONTRACTS = (
    "Contratto;Cliente;Inizio;Canone mensile;Valuta\n"
    "C-1;Alfa;01/02/2026;1.500,00;EUR\n"
    "C-2;Beta;15/02/2026;800;EUR\n"
)


def test_a_contracts_file_is_mapped_with_labels_in_the_users_language(app):
    app.state.users.set_language("admin", "it")
    client = login(app, "admin")
    described = upload(client, CONTRACTS, table="contracts").json()
    labels = {f["name"]: f["label"] for f in described["fields"]}
    assert labels["mrr"] == "Ricavo ricorrente mensile (MRR)"
    assert labels["start_date"] == "Data di inizio"
    assert described["suggested"]["currency"] == "Valuta"  # three-letter codes
    fields = {
        "field.contract_id": "Contratto",
        "field.account_id": "Cliente",
        "field.start_date": "Inizio",
        "field.mrr": "Canone mensile",
        "field.currency": "Valuta",
    }
    form = {"token": described["token"], "table": "contracts", **fields}
    preview = client.post("/api/data/mapper/map", data=form).json()
    assert preview["preview"]["labels"][:3] == ["ID contratto", "Azienda", "Data di inizio"]
    # Both contracts would be refused: their customers (Alfa, Beta) are not stored yet.
    assert preview["rejected"] == 2 and preview["preview"]["rows"] == []
    assert {r["column"] for r in preview["rejects"]} == {"Cliente"}
    page = client.post("/data/mapper/map", data=form)
    assert "Ricavo ricorrente mensile (MRR)" in page.text
    assert "importing.column" not in page.text
