"""Imported first by the course's tools and by the tests (``-p attention_lib._no_iri_grammar``).

nbformat validates notebooks with jsonschema, which, when the package ``rfc3987_syntax`` is installed (JupyterLab
brings it), builds a grammar for IRI formats as it is imported: about 1.8 s of CPU per process. The notebook schema
checks no formats, so the processes that read notebooks go without it; jsonschema skips a format checker whose
package cannot be imported.
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)
