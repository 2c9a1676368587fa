"""What the tests share, defined once: helpers and fixtures that test modules import (never from each other).

ROOT is the repository root."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
