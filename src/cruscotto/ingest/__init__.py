"""Getting CRM exports in: file readers, ready mappings, validation, idempotent loads.

The two entry points:

- `import_files(warehouse, paths, ...) -> ImportReport` (see `importer.import_files`)
- `ImportReport.write_rejects_csv(path)` for the refused rows

and `presets()` / `describe_presets()` list the ready mappings for the upload page.
"""

from cruscotto.ingest import saved_mappings
from cruscotto.ingest.importer import ImportGuard, Incoming, audited, import_files
from cruscotto.ingest.mapping import Mapping, describe_presets, load_mapping, presets
from cruscotto.ingest.report import FileReport, ImportFileError, ImportReport, Reject
from cruscotto.ingest.transform import Settings

__all__ = [
    "FileReport",
    "ImportFileError",
    "ImportGuard",
    "ImportReport",
    "Incoming",
    "Mapping",
    "Reject",
    "Settings",
    "audited",
    "describe_presets",
    "import_files",
    "load_mapping",
    "presets",
    "saved_mappings",
]
