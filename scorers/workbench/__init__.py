"""The review workbench (``callqa workbench``): where compliance officers and coaches do the review work.

- :mod:`~scorers.workbench.users` — accounts, roles and Argon2 password hashes;
- :mod:`~scorers.workbench.queries` — what a page reads, as filtered Parquet scans;
- :mod:`~scorers.workbench.journal` — appeals and coaching notes, append-only like the review log;
- :mod:`~scorers.workbench.svg` — the agent page's small drawings;
- :mod:`~scorers.workbench.templates` — pages, stylesheet and the keyboard script;
- :mod:`~scorers.workbench.app` — the FastAPI application (sessions, CSRF, roles, routes).

Like the rest of :mod:`scorers` this never imports Prefect; the CLI
(``pipelines/workbench_cli.py``) only parses arguments and starts uvicorn.
"""
