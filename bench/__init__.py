"""`make bench`: the kit's speed benchmarks, kept out of the shipped packages (they read solutions/ and tests/).

Run from the root of a checkout: `python -m bench.grading` (grading throughput against stock nbgrader) and
`python -m bench.sql` (the 04-sql reference queries at full size). Neither is installed nor published in the
learner kit.
"""
