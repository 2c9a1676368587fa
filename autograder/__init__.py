"""TPM Kit's grading side: releasing exercises from solutions/ and grading submissions (`tpm-grade`)."""

import sys

# jsonschema (which nbformat imports) loads rfc3987_syntax whenever it is installed (jupyter_events brings it),
# and that compiles a grammar for about a second in every process: in tpm-grade, in each grading worker.
# It only checks the "iri" string format, which no notebook schema uses; without it jsonschema skips that check.
if "rfc3987_syntax" not in sys.modules:
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # None makes the import fail (documented)
