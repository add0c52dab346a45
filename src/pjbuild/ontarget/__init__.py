"""Running on the target: runners (native, QEMU, Wine), pjproject's test suites, the probe,
loopback calls, audio checks, pjsip-perf."""
