"""Infrastructure every layer uses: errors, paths, TOML loading and schemas, processes, step
logs."""
