"""Instructor and maintainer tools, never imported by a lab: dataset generators
(``datasets``, ``signs_render``), explorer grids (``precompute``), grading (``grading``), the
course's reference solutions the tests use (``reference``, ``reference_tf``), notebook
execution (``execute_notebooks``) and benchmarks (``bench``). Run them from the project's
root as ``python -m tools.<name>``; the Makefile does.
"""
