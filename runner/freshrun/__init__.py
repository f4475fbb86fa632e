"""freshrun: declarative, freshness-driven scheduling for dbt Core."""

__version__ = "0.1.0"
