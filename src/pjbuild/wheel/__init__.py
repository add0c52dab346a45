"""The pjsua2 wheel: the target's Python, the build and repair, the wheel's test on the target."""
