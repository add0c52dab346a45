"""Everything hashed into the inputs digest, pure: targets, options and presets, sources,
dependency recipes, the source tree, the test catalog."""
