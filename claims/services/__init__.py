"""Writes about claims, one module per concern; import the function from its module."""
