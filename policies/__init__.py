"""Data package: the default Rego policy bundle, its data and its Rego unit tests."""
