"""The Conan package: what the recipe and the profile get (recipe); profiles and conan create
(create)."""
