"""Running a plan: extraction, patches, dependency builds, the engine, the cache, manifest,
SBOM, reproducibility checks."""
