"""CI generation: one job description as the GitHub workflow and the GitLab pipeline."""
