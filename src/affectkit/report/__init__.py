"""Output: analysis records to a terminal table, JSON, CSV and pandas."""
