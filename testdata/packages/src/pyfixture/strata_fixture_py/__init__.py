"""A fixture for strata's Python reader."""

GREETING = "hello from strata-fixture-py"
