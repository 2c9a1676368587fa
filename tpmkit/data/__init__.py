"""Seeded data for the course company, Tillpoint (a payments app for small shops).

Every table is generated in Python from a fixed seed: nothing is downloaded, and the same call
returns the same rows on every machine. Tests recompute each planted answer from the rows.
"""

from tpmkit.data.backlog import backlog
from tpmkit.data.deployments import deployments
from tpmkit.data.experiments import (
    ab_test,
    ab_test_daily,
    checkout_flows,
    checkout_times,
    conversion_by_device,
    daily_payments,
)
from tpmkit.data.incidents import incidents
from tpmkit.data.product import events, orders, payments, product_tables, users
from tpmkit.data.pull_requests import pull_requests
from tpmkit.data.request_log import latency_sample, request_log
from tpmkit.data.tickets import tickets

__all__ = ["ab_test", "ab_test_daily", "backlog", "checkout_flows", "checkout_times", "conversion_by_device",
           "daily_payments", "deployments", "events", "incidents", "latency_sample", "orders", "payments",
           "product_tables", "pull_requests", "request_log", "tickets", "users"]
