"""Everything that handles learner-controlled data on the grader's side lives here,
so a reviewer can audit one place."""
