"""pjbuild: build pjproject (PJSIP) for any target from pinned sources, verified on the target."""

__version__ = "0.1.0"
