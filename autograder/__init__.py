"""TPM Kit's grading side: releasing exercises from solutions/ and grading submissions (`tpm-grade`)."""
