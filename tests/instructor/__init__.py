"""The instructor's commands (`tpm-grade roster`, `collect`, `feedback`, `export`) and docs/instructor.md run
end to end."""
