"""pjbuild.build.configured: configure's decisions read from its generated headers and
config.log (the texts below are cut from a real configure of linux-x86_64, pjproject 2.17)."""

from __future__ import annotations

from pathlib import Path

from pjbuild.build.configured import (
    AUTO_HEADERS,
    configured_macros,
    differences,
    header_macros,
    log_answers,
)

OS_AUTO = """\
#ifndef __PJ_COMPAT_OS_AUTO_H__
#define __PJ_COMPAT_OS_AUTO_H__

/* Canonical OS name */
#define PJ_OS_NAME "x86_64-pc-linux-gnu"

/* Legacy macros */
/* #undef PJ_WIN64 */
#define PJ_LINUX 1
#define PJ_HAS_EXECINFO_H 1
#   define PJ_IOQUEUE_IMP PJ_IOQUEUE_IMP_EPOLL
#define PJ_HAS_ERRNO_VAR
#endif  /* __PJ_COMPAT_OS_AUTO_H__ */
"""

CONFIG_LOG = """\
## ----------- ##
## Core tests. ##
## ----------- ##

ac_cv_this_is_a_test_line=not-an-answer
## ---------------- ##
## Cache variables. ##
## ---------------- ##

ac_cv_build=x86_64-pc-linux-gnu
ac_cv_c_bigendian=no
ac_cv_env_CC_value=gcc
ac_cv_func_getifaddrs=yes
ac_cv_header_execinfo_h=yes
ac_cv_prog_CC=gcc

## ----------------- ##
## Output variables. ##
## ----------------- ##

CC='gcc'
ac_webrtc_instset='neon'
ac_webrtc_cflags='-DWEBRTC_ARCH_ARM64'
ac_no_webrtc=''

## ------------------- ##
## File substitutions. ##
## ------------------- ##

ac_not_this_one='x'
"""


def test_a_generated_header_gives_its_defines_and_undefs_not_its_guard() -> None:
    macros = header_macros(OS_AUTO)
    assert macros == {
        "PJ_OS_NAME": '"x86_64-pc-linux-gnu"',
        "PJ_WIN64": None,
        "PJ_LINUX": "1",
        "PJ_HAS_EXECINFO_H": "1",
        "PJ_IOQUEUE_IMP": "PJ_IOQUEUE_IMP_EPOLL",
        "PJ_HAS_ERRNO_VAR": "",
    }


def test_a_configured_tree_gives_each_generated_header_it_has(tmp_path: Path) -> None:
    os_auto = tmp_path / AUTO_HEADERS[0]
    os_auto.parent.mkdir(parents=True)
    os_auto.write_text(OS_AUTO)
    found = configured_macros(tmp_path)
    assert list(found) == [AUTO_HEADERS[0]]  # the others are absent: left out, not empty
    assert found[AUTO_HEADERS[0]]["PJ_LINUX"] == "1"


def test_config_log_gives_the_cache_and_pjprojects_substitutions_not_the_machines() -> None:
    answers = log_answers(CONFIG_LOG)
    assert answers == {
        "ac_cv_c_bigendian": "no",
        "ac_cv_func_getifaddrs": "yes",
        "ac_cv_header_execinfo_h": "yes",
        "ac_webrtc_instset": "neon",
        "ac_webrtc_cflags": "-DWEBRTC_ARCH_ARM64",
        "ac_no_webrtc": "",
    }


def test_differences_keep_only_what_the_targets_disagree_on() -> None:
    rows = differences(
        {
            "linux-aarch64": {"instset": "neon", "bigendian": "no", "execinfo": "yes"},
            "linux-aarch64-musl": {"instset": "generic", "bigendian": "no"},
        }
    )
    assert rows == {
        "execinfo": {"linux-aarch64": "yes", "linux-aarch64-musl": None},
        "instset": {"linux-aarch64": "neon", "linux-aarch64-musl": "generic"},
    }
