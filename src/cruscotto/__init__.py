"""Cruscotto: the KPIs that run a B2B service company, from the data it already has."""

__version__ = "0.1.0"
