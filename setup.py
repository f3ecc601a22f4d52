"""Packages of the synthgen distribution (metadata and dependencies: setup.cfg).

synthgen ships the reader package ``synthgen_reader`` from ``reader/`` too (``synthgen.dataset``
re-exports it); ``reader/pyproject.toml`` builds the same package alone, for trainer
environments without synthgen (``pip install ./reader``).
"""
from setuptools import find_packages, setup

setup(packages=find_packages(include=["synthgen", "synthgen.*"]) + ["synthgen_reader"],
      package_dir={"synthgen_reader": "reader/synthgen_reader"})
