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
    # UTF-16 with its byte-order mark (Excel's "Unicode text") is read; without one it
    # cannot be told from binary.
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("id,name\n1,à\n".encode("utf-16"))
    assert read_source(utf16).frame["name"].tolist() == ["à"]
    bare = tmp_path / "utf16le.csv"
    bare.write_bytes("id,name\n1,a\n".encode("utf-16-le"))
    with pytest.raises(ImportFileError, match="UTF-16"):
        read_source(bare)
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


def test_a_file_mixing_utf8_and_cp1252_is_refused_with_its_lines(tmp_path):
    # Line 2 written as UTF-8, line 3 as Windows-1252 (a copy-paste between two exports).
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,name\n1,Società\n".encode() + "2,Città\n".encode("cp1252") + b"3,plain\n")
    with pytest.raises(ImportFileError) as raised:
        read_source(path)
    message = str(raised.value)
    assert "mixes encodings: lines 2 are UTF-8 but lines 3 are not valid UTF-8" in message


def test_portuguese_cp1252_is_still_read(tmp_path):
    path = tmp_path / "pt.csv"
    path.write_bytes("id,nome\n1,Ação e Inovação\n2,São João\n".encode("cp1252"))
    source = read_source(path)
    assert source.encoding == "cp1252"
    assert source.frame["nome"].tolist() == ["Ação e Inovação", "São João"]


def test_shift_jis_is_detected_and_other_encodings_refused(tmp_path):
    japanese = tmp_path / "jp.csv"
    japanese.write_bytes("id,会社名\n1,株式会社サンプル\n2,テスト商事\n".encode("shift_jis"))
    source = read_source(japanese)
    assert source.encoding == "shift_jis"
    assert source.frame["会社名"].tolist() == ["株式会社サンプル", "テスト商事"]
    chinese = tmp_path / "zh.csv"
    chinese.write_bytes("id,公司\n1,北京示例有限公司\n".encode("gbk"))
    with pytest.raises(ImportFileError, match="not UTF-8 or Windows-1252.*save it as UTF-8"):
        read_source(chinese)
