"""A real JupyterLab and a real headless Chromium: `make lab`, the learner's first hour, the course website and
the API's docs page."""
