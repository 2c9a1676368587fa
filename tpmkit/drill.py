"""Kept for saved notebooks (`from tpmkit import drill`): the module is tpmkit.disaster_recovery.restore_drill."""
from tpmkit.disaster_recovery.restore_drill import *  # noqa: F403
