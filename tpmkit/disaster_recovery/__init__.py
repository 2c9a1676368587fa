"""Disaster recovery for lesson and exercise 08 (and the capstone), in two parts.

- `rpo_rto`: RPO and RTO on paper: the data a backup schedule loses, the four DR strategies against
  RPO/RTO targets and a budget, and pictures of cost and of an incident's timeline.
- `restore_drill`: RPO and RTO measured: a hands-on drill that really backs up, loses and restores a
  SQLite database on a simulated clock.

Notebooks import them by their first names, `from tpmkit import dr, drill`, which stay as aliases.
"""
