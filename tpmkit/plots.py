"""Kept for saved notebooks (`from tpmkit import plots`): the SLO charts are in tpmkit.slo_charts."""
from tpmkit.slo_charts import *  # noqa: F403
