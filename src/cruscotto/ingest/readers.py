"""Reading an export file into a frame of raw cells: CSV, XLSX or Parquet.

CSV cells stay text so a reject can quote exactly what the user's file said; XLSX and
Parquet cells keep the types their format carries (numbers, datetimes), which the
converters in `parsing` accept as they are.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from cruscotto.ingest.report import ImportFileError, Reject

DELIMITERS = (";", ",", "\t", "|")
# Exports from Excel on Windows are Windows-1252, a superset of Latin-1 that also has €.
FALLBACK_ENCODING = "cp1252"


@dataclass
class SourceTable:
    """The cells of one file, with the spreadsheet row number of each record."""

    path: Path
    frame: pd.DataFrame
    row_numbers: np.ndarray
    rejects: list[Reject] = field(default_factory=list)  # rows that could not be split
    encoding: str = "utf-8"
    delimiter: str | None = None

    @property
    def headers(self) -> list[str]:
        return [str(c) for c in self.frame.columns]


def read_source(path: str | Path) -> SourceTable:
    """Read a CSV, XLSX or Parquet export; raise `ImportFileError` if it cannot be read."""
    file = Path(path)
    if not file.is_file():
        raise ImportFileError(f"{file}: no such file")
    suffix = file.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(file)
        if suffix in (".parquet", ".pq"):
            return _read_parquet(file)
        if suffix in (".xls",):
            raise ImportFileError(f"{file}: the old .xls format is not supported; save as .xlsx")
        return _read_csv(file)
    except ImportFileError:
        raise
    except Exception as exc:  # each reader library raises its own errors
        raise ImportFileError(f"{file}: cannot be read: {exc}") from exc


def _decode(raw: bytes, file: Path) -> tuple[str, str]:
    """The file's text and its encoding: UTF-8 (with or without BOM), UTF-16 with a BOM,
    Windows-1252, or Shift-JIS when it is plainly Japanese. A file mixing encodings, or
    in another one, is refused with the lines that show it, never read as mojibake."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"{file}: starts as UTF-16 but is not valid UTF-16") from exc
    if b"\x00" in raw[:4096]:
        raise ImportFileError(
            f"{file}: looks binary or UTF-16 without a byte-order mark, not a CSV; "
            "export as CSV (UTF-8) or XLSX"
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    utf8_lines, invalid_lines = _utf8_lines(raw)
    if utf8_lines:
        raise ImportFileError(
            f"{file}: mixes encodings: lines {_line_list(utf8_lines)} are UTF-8 but lines "
            f"{_line_list(invalid_lines)} are not valid UTF-8 (probably Windows-1252); "
            "save the whole file as UTF-8 (in Excel: CSV UTF-8) and import it again"
        )
    japanese = _japanese(raw)
    if japanese is not None:
        return japanese, "shift_jis"
    if _double_byte(raw):
        raise ImportFileError(
            f"{file}: is not UTF-8 or Windows-1252 (lines {_line_list(invalid_lines)} look "
            "like a double-byte encoding such as GBK, Big5 or EUC-KR); save it as UTF-8"
        )
    try:
        return raw.decode(FALLBACK_ENCODING), FALLBACK_ENCODING
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"{file}: is neither UTF-8 nor Windows-1252 (line {line} has byte "
            f"0x{raw[exc.start]:02X}, which neither has); save it as UTF-8"
        ) from exc


def _japanese(raw: bytes) -> str | None:
    """The text, when the bytes are valid Shift-JIS (Excel's CSV in Japan) and hold kana."""
    try:
        text = raw.decode("shift_jis")
    except UnicodeDecodeError:
        return None
    # Hiragana or katakana: Japanese, not Western bytes that happen to decode.
    return text if re.search(r"[\u3040-\u30ff]{2}", text) else None


def _utf8_lines(raw: bytes) -> tuple[list[int], list[int]]:
    """Numbers of the lines with non-ASCII UTF-8 text, and of the lines not valid UTF-8."""
    valid, invalid = [], []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            valid.append(number)
        except UnicodeDecodeError:
            invalid.append(number)
    return valid, invalid


def _line_list(numbers: list[int], shown: int = 10) -> str:
    listed = ", ".join(str(n) for n in numbers[:shown])
    return listed + (f" and {len(numbers) - shown} more" if len(numbers) > shown else "")


def _double_byte(raw: bytes) -> bool:
    """Whether the non-ASCII bytes come in long runs: CJK encodings spend two bytes a
    character and write words of several characters, where Western 8-bit text has one or
    two accented letters between ASCII ones ("ção" is a run of two)."""
    runs = re.findall(rb"[\x80-\xff]+", raw)
    return bool(runs) and sum(len(r) for r in runs) / len(runs) >= 3.5


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for raw_name in names:
        name = raw_name.strip()
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


def sniff_delimiter(header_line: str) -> str:
    """The delimiter that splits the header line into the most fields (`;` wins ties)."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])


def _read_csv(file: Path) -> SourceTable:
    raw = file.read_bytes()
    text, encoding = _decode(raw, file)
    if not text or text.isspace():  # (not `strip()`: a copy of the whole file)
        raise ImportFileError(f"{file}: the file is empty")
    if text.count('"') % 2:
        # Quotes come in pairs (a quote inside a value is doubled): an odd count means
        # the file ends inside a quoted value, i.e. it was cut off.
        raise ImportFileError(f"{file}: ends inside a quoted value; the file looks truncated")
    first_line = text.lstrip("\r\n").split("\n", 1)[0].rstrip("\r")
    delimiter = sniff_delimiter(first_line)
    names = _unique(next(csv.reader([first_line], delimiter=delimiter)))

    bad_rows: list[tuple[int | None, int, str]] = []

    def keep_aside(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.actual_columns, row.text))
        return "skip"

    data = text.encode("utf-8") if encoding != "utf-8" or raw.startswith(codecs.BOM_UTF8) else raw
    table = pacsv.read_csv(
        io.BytesIO(data),
        read_options=pacsv.ReadOptions(use_threads=False, encoding="utf-8"),
        parse_options=pacsv.ParseOptions(
            delimiter=delimiter, newlines_in_values=True, invalid_row_handler=keep_aside
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in _arrow_names(first_line, delimiter)},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    table = table.rename_columns(names)
    frame = table.to_pandas(types_mapper=lambda _t: pd.StringDtype("pyarrow"))
    frame = frame.fillna("")
    rows = np.arange(len(frame), dtype=np.int64) + 2
    rejects = []
    # Records after a skipped line move down one row each: put them back where they are.
    for number, actual, line in sorted(bad_rows, key=lambda b: b[0] or 0):
        if number is not None:
            rows[rows >= number] += 1
        reason = f"has {actual} fields where the header has {len(names)}"
        if actual < len(names):
            reason += " (a truncated line or an unquoted delimiter)"
        rejects.append(Reject(str(file), number or 0, "", line[:200], reason))
    return SourceTable(file, frame, rows, rejects, encoding, delimiter)


def _arrow_names(first_line: str, delimiter: str) -> list[str]:
    # Arrow names columns from the raw header; types are given by those raw names.
    return next(csv.reader([first_line], delimiter=delimiter))


def _read_xlsx(file: Path) -> SourceTable:
    import openpyxl

    try:
        book = openpyxl.load_workbook(file, read_only=True, data_only=True)
    except Exception as exc:
        raise ImportFileError(f"{file}: not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header: list[str] | None = None
        header_row = 0
        records: list[tuple] = []
        numbers: list[int] = []
        for index, values in enumerate(rows, start=1):
            if header is None:
                if any(v not in (None, "") for v in values):
                    header = _unique([str(v) if v is not None else "" for v in values])
                    header_row = index
                continue
            if all(v in (None, "") for v in values):
                continue
            records.append(values[: len(header)])
            numbers.append(index)
    finally:
        book.close()
    if header is None:
        raise ImportFileError(f"{file}: the first sheet is empty")
    width = len(header)
    padded = [tuple(r) + (None,) * (width - len(r)) for r in records]
    frame = pd.DataFrame(padded, columns=header, dtype=object).fillna("")
    del header_row
    return SourceTable(file, frame, np.asarray(numbers, dtype=np.int64), encoding="xlsx")


def _read_parquet(file: Path) -> SourceTable:
    import pyarrow.parquet as pq

    table = pq.read_table(file)
    frame = table.to_pandas()
    for name in frame.columns:
        if pd.api.types.is_string_dtype(frame[name]) or frame[name].dtype == object:
            frame[name] = frame[name].astype(object).where(frame[name].notna(), "")
    frame.columns = _unique([str(c) for c in frame.columns])
    rows = np.arange(len(frame), dtype=np.int64) + 2
    return SourceTable(file, frame, rows, encoding="parquet")
