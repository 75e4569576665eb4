"""Orchestration for callqa: the Prefect flows and the ``callqa`` command line."""
