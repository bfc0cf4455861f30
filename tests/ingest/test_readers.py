"""Reading files: delimiters, BOM, encodings, XLSX, Parquet, and files that cannot be read."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cruscotto.ingest import ImportFileError
from cruscotto.ingest.readers import read_source, sniff_delimiter


def test_semicolon_latin1_file_is_read(files):
    source = read_source(files / "gestionale-trattative.csv")
    assert source.delimiter == ";"
    assert source.encoding == "cp1252"
    assert source.headers[:3] == ["Codice", "Cliente", "Fase"]
    assert source.frame["Cliente"].tolist() == [
        "Caffè Roma Srl",
        "Società Agricola Po",
        "Pão & Cia Ltda",
    ]
    assert source.frame["Importo"].tolist()[1] == "€ 12.000"


def test_bom_and_quoted_commas(files):
    source = read_source(files / "hubspot-deals.csv")
    assert source.headers[0] == "Record ID"  # the BOM is not part of the first header
    assert source.frame["Deal Name"].tolist()[2:] == ["Gamma, Inc. - upsell", 'Delta - "new" logo']
    assert source.row_numbers.tolist() == [2, 3, 4, 5]


@pytest.mark.parametrize(
    ("header", "expected"), [("a;b;c", ";"), ("a,b,c", ","), ("a\tb", "\t"), ('"x;y",b,c', ",")]
)
def test_delimiter_sniffing(header, expected):
    assert sniff_delimiter(header) == expected


def test_truncated_file_keeps_the_good_rows_and_reports_the_cut_one(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("id,name,amount\n1,a,10\n2,b,20\n3,c", encoding="utf-8")
    source = read_source(path)
    assert source.frame["id"].tolist() == ["1", "2"]
    assert len(source.rejects) == 1
    reject = source.rejects[0]
    assert reject.row == 4
    assert "2 fields where the header has 3" in reject.reason


def test_unterminated_quote_is_an_unreadable_file(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('id,name\n1,"never closed\n', encoding="utf-8")
    with pytest.raises(ImportFileError, match="broken.csv.*truncated"):
        read_source(path)


def test_binary_and_empty_files_are_refused_clearly(tmp_path):
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("id,name\n1,a\n".encode("utf-16"))
    with pytest.raises(ImportFileError, match="UTF-16"):
        read_source(utf16)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportFileError, match="empty"):
        read_source(empty)
    with pytest.raises(ImportFileError, match="no such file"):
        read_source(tmp_path / "missing.csv")


def test_xlsx_keeps_types_and_real_row_numbers(tmp_path):
    path = tmp_path / "deals.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Deal - ID", "Deal - Value", "Deal - Deal created"])
    sheet.append([101, 1500.5, dt.datetime(2026, 1, 5, 9, 0)])
    sheet.append([None, None, None])  # blank line, skipped
    sheet.append([102, "2.300,75", "2026-01-20 11:30:00"])
    book.save(path)
    source = read_source(path)
    assert source.frame["Deal - ID"].tolist() == [101, 102]
    assert source.frame["Deal - Value"].tolist() == [1500.5, "2.300,75"]
    assert source.row_numbers.tolist() == [2, 4]


def test_parquet(tmp_path):
    path = tmp_path / "deals.parquet"
    table = pa.table(
        {
            "opportunity_id": ["a", "b"],
            "amount": [10.5, None],
            "created_at": pd.to_datetime(["2026-01-01 10:00", "2026-01-02 11:00"]),
        }
    )
    pq.write_table(table, path)
    source = read_source(path)
    assert source.frame["opportunity_id"].tolist() == ["a", "b"]
    assert source.frame["amount"].iloc[0] == 10.5


def test_old_xls_is_refused_with_advice(tmp_path):
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ImportFileError, match="save as .xlsx"):
        read_source(path)


def test_corrupt_xlsx_is_an_unreadable_file(tmp_path):
    path = tmp_path / "deals.xlsx"
    path.write_bytes(b"PK\x03\x04 this is not really a workbook")
    with pytest.raises(ImportFileError, match="not a readable XLSX workbook"):
        read_source(path)
