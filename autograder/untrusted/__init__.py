"""Where learner-controlled data meets grader code: the map a reviewer audits.

Here: `sanitize` (learner markdown and outputs, before any notebook or page is written).

Elsewhere, each in a module named for the one boundary it guards (docs/grading.md's threat model
lists each with its test):
- `autograder.submissions`: file and folder names, symlinks and zip members of the input
  (`read_submission` never follows a link);
- `autograder.collect`: LMS download names (anchored on the LMS's own separators);
- `autograder.runner.read_cells` and `autograder.plan`: the submission's JSON and cells;
- `autograder.kernel`: every message the learner's kernel sends, and fetched values;
- `autograder.trusted`: which names a test fetches from the kernel, and what its message may show;
- `autograder.replica` (with `tpmkit.replica`): names the course owns, rebuilt in the grader;
- `autograder.worker`: the unprivileged, jailed process all of the above runs in, and the check of
  its answers by the main process;
- `autograder.sandbox`: the jail of the learner's kernel;
- `tpmkit.safe_files` and `tpmkit.git_reader` (summary, check_finished): reading what the learner built, without
  following links or running anything.
"""
