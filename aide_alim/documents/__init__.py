"""The documents of the week: distribution plans, route sheets, summary and workbook.

French for associations and drivers; HTML (A4 print), PDF, CSV and xlsx; every user string
escaped or neutralised (see :mod:`aide_alim.documents.safety`).
"""

from aide_alim.documents.safety import FileNamer, neutralise_cell, slugify
from aide_alim.documents.writer import Documents, write_documents

__all__ = ["Documents", "FileNamer", "neutralise_cell", "slugify", "write_documents"]
