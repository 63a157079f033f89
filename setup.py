"""Only the package list lives here, because pyproject.toml cannot say it: the wheel carries every
propcli* package found on disk (a new subpackage needs no edit) plus the top-level templates/ folder
as propcli/templates, with its subfolders (package-dir and package-data are in pyproject.toml)."""

from setuptools import find_namespace_packages, find_packages, setup

setup(packages=[
    *find_packages(include=["propcli", "propcli.*"]),
    "propcli.templates",
    *(f"propcli.templates.{p}" for p in find_namespace_packages(where="templates")),
])
