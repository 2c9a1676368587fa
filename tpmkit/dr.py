"""Kept for saved notebooks (`from tpmkit import dr`): the module is tpmkit.disaster_recovery.rpo_rto."""
from tpmkit.disaster_recovery.rpo_rto import *  # noqa: F403
