"""Pure rules of the simulated Spotler service: no Flask, no HTTP, no SQL.

Functions here take plain data and a repository (see ``ports``) and return plain data; they raise
``spotler_sim.errors.SpotlerError`` for refusals. ``tests/unit/test_domain_purity.py`` keeps Flask out.
"""
