"""CI generation: the GitHub workflow, the CI matrix, the summary of build jobs."""
