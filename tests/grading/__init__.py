"""The grader end to end: `tpm-grade grade` and `ci`, its sandbox and trust boundary, finding submissions,
diagnosis, and faithfulness to stock nbgrader; every exercise graded with stock `nbgrader autograde`."""
