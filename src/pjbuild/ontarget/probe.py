"""Checks that the build has what was asked for, on the target: TLS backend, endianness.

A target nothing here can run (runner kind "none") gets the same probe linked but not run:
its compile-time values are written into the program as text and read back from its bytes, as
CMake's try_compile reads a compiler's ABI."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pjbuild.core.errors import VerificationError
from pjbuild.inputs.deps import providing
from pjbuild.inputs.registry import load_configure_data, tls_by_number
from pjbuild.ontarget.runners import Completed, Runner
from pjbuild.ontarget.testsuites import TestTree, parse_config, tail
from pjbuild.plan import BuildPlan


@dataclass(frozen=True)
class Verified:
    tls_backend: str  # what the built pjlib reports
    endianness: str  # little | big, as reported by the program run on the target
    config: dict[str, str]
    # what the media library has at run time: "codec:PCMU/8000/1", "echo:speex", "resample",
    # "srtp" (components.toml `runtime`)
    media: frozenset[str] = frozenset()
    ran: bool = True  # False: read from the linked program's bytes (nothing ran it)


PROBE_C = r"""
#include <pjlib.h>
#include <pjmedia.h>
#include <pjmedia-codec.h>
#include <stdio.h>
#include <string.h>
@INCLUDES@
/* what the media library has, found at run time: every audio codec it registers, the echo
   cancellers it can create, the resampler, SRTP's crypto suites */
static void media(void)
{
    pj_caching_pool cp;
    pjmedia_endpt *endpt;
    pj_pool_t *pool;
    pjmedia_codec_info info[64];
    pjmedia_echo_state *ec;
    pjmedia_resample *rs;
    unsigned count = PJ_ARRAY_SIZE(info), i;
    const struct { const char *name; unsigned algo; } echo[] = {
        { "speex", PJMEDIA_ECHO_SPEEX }, { "webrtc", PJMEDIA_ECHO_WEBRTC },
    };

    pj_log_set_level(0);
    pj_caching_pool_init(&cp, NULL, 0);
    if (pjmedia_endpt_create(&cp.factory, NULL, 1, &endpt) != PJ_SUCCESS) {
        printf("MEDIA_ENDPOINT=0\n");
        return;
    }
    printf("MEDIA_ENDPOINT=1\n");
    pool = pjmedia_endpt_create_pool(endpt, "probe", 4000, 4000);
    pjmedia_codec_register_audio_codecs(endpt, NULL);
    if (pjmedia_codec_mgr_enum_codecs(pjmedia_endpt_get_codec_mgr(endpt), &count, info,
                                      NULL) == PJ_SUCCESS) {
        for (i = 0; i < count; ++i) {
            char id[64];
            printf("MEDIA=codec:%s\n", pjmedia_codec_info_to_id(&info[i], id, sizeof(id)));
        }
    }
    for (i = 0; i < PJ_ARRAY_SIZE(echo); ++i) {
        if (pjmedia_echo_create2(pool, 16000, 1, 160, 100, 0, echo[i].algo, &ec) == PJ_SUCCESS) {
            /* up to 2.16, an algorithm that is not compiled in falls back to the echo
               suppressor and still succeeds (2.17 returns PJ_ENOTSUP): that one is not it */
            pjmedia_echo_stat stat;
            pj_bzero(&stat, sizeof(stat));
            if (pjmedia_echo_get_stat(ec, &stat) != PJ_SUCCESS || !stat.name ||
                strcmp(stat.name, "Echo suppressor") != 0)
                printf("MEDIA=echo:%s\n", echo[i].name);
            pjmedia_echo_destroy(ec);
        }
    }
    if (pjmedia_resample_create(pool, PJ_TRUE, PJ_FALSE, 1, 8000, 16000, 80, &rs) == PJ_SUCCESS)
        printf("MEDIA=resample\n");
#if defined(PJMEDIA_HAS_SRTP) && PJMEDIA_HAS_SRTP != 0
    {
        pjmedia_srtp_crypto crypto[16];
        unsigned n = PJ_ARRAY_SIZE(crypto);
        if (pjmedia_srtp_enum_crypto(&n, crypto) == PJ_SUCCESS && n > 0)
            printf("MEDIA=srtp\n");
    }
#endif
    pj_pool_release(pool);
    pjmedia_endpt_destroy(endpt);
    pj_caching_pool_destroy(&cp);
}

@STATIC@
int main(int argc, char *argv[])
{
    union { pj_uint32_t u; unsigned char c[4]; } e;
    (void)argc;
    (void)argv;
@KEEP@
    setvbuf(stdout, NULL, _IONBF, 0); /* a crash keeps what was printed before it */
    e.u = 0x01020304;
    printf("PJ_HAS_SSL_SOCK=%d\n", (int)PJ_HAS_SSL_SOCK);
    printf("PJ_SSL_SOCK_IMP=%d\n", (int)PJ_SSL_SOCK_IMP);
    printf("PJ_IS_BIG_ENDIAN=%d\n", (int)PJ_IS_BIG_ENDIAN);
    printf("RUNTIME_BIG_ENDIAN=%d\n", e.c[0] == 1);
    printf("PJ_VERSION=%s\n", pj_get_version());
@FEATURES@
    if (pj_init() == PJ_SUCCESS)
        media();
    return 0;
}
"""


STATIC_TAG = "PJBUILD_INFO:"


def probe_source(plan: BuildPlan, static: bool = False) -> str:
    """The probe program, with a macro and a runtime version call per requested feature; with
    ``static``, the macros also as text in the program (``PJBUILD_INFO:KEY=NN;...``)."""
    features = load_configure_data().get("features", {})
    includes, lines = [], []
    macros = [(k, k) for k in ("PJ_HAS_SSL_SOCK", "PJ_SSL_SOCK_IMP", "PJ_IS_BIG_ENDIAN")]
    for name in plan.features:
        spec = features.get(name, {})
        includes.append(f"#include <{spec['probe_include']}>")
        key = name.upper()
        macros.append((f"FEATURE_{key}", spec["macro"]))
        lines.append(f'    printf("FEATURE_{key}=%d\\n", (int){spec["macro"]});')
        lines.append(f'    printf("FEATURE_{key}_VERSION=%s\\n", {spec["probe_version"]});')
    static_c = keep = ""
    if static:
        chars = [f"'{c}'" for c in STATIC_TAG]
        for key, macro in macros:
            chars += [f"'{c}'" for c in f"{key}="]
            chars += [f"PJB_DIGIT(({macro}) / 10 % 10)", f"PJB_DIGIT(({macro}) % 10)", "';'"]
        static_c = (
            "/* the compile-time values as text, read from the program's bytes */\n"
            "#define PJB_DIGIT(x) (char)('0' + (int)(x))\n"
            f"static const volatile char pjbuild_info[] = {{ {', '.join(chars)}, 0 }};\n"
        )
        keep = "    if (argc > 99) return pjbuild_info[argc % sizeof(pjbuild_info)];"
    return (
        PROBE_C.replace("@INCLUDES@", "\n".join(includes))
        .replace("@FEATURES@", "\n".join(lines))
        .replace("@STATIC@", static_c)
        .replace("@KEEP@", keep)
    )


def probe_argv(
    plan: BuildPlan, src: Path, exe: Path, cflags: list[str], libs: list[str]
) -> list[str]:
    """The target's probe compile command (`[probe] command` of its file) filled in."""
    lists = {"{cflags}": cflags, "{ldflags}": list(plan.target.ldflags), "{libs}": libs}
    words = {"{cxx}": plan.target.compilers.cxx, "{src}": str(src), "{exe}": str(exe)}
    argv: list[str] = []
    for part in plan.target.probe_command:
        if part in lists:
            argv += lists[part]
            continue
        for key, value in words.items():
            part = part.replace(key, value)
        argv.append(part)
    return argv


def _pc_flags(prefix: Path) -> tuple[list[str], list[str]]:
    """Cflags and Libs (+ Libs.private) of the artifact's libpjproject.pc."""
    fields: dict[str, str] = {}
    pc = prefix / "lib" / "pkgconfig" / "libpjproject.pc"
    for line in pc.read_text().splitlines():
        key, sep, value = line.partition(":")
        if sep and key in ("Cflags", "Libs", "Libs.private"):
            fields[key] = value.replace("${pcfiledir}", str(pc.parent))
    libs = (fields.get("Libs", "") + " " + fields.get("Libs.private", "")).split()
    return fields.get("Cflags", "").split(), libs


def probe(plan: BuildPlan, prefix: Path, work: Path, runner: Runner) -> Verified:
    """Build a tiny program against the installed prefix with the target's compiler and run it
    on the target: it prints the TLS macros the library was built with and the byte order it
    sees at run time. Independent of PJ_LOG_MAX_LEVEL (it uses printf)."""
    exe = _link_probe(plan, prefix, work, static=False)
    done = runner.run([str(exe)], work, 120)
    return read_probe(done, plan.target.name, runner.describe(), work, plan.target.path)


def probe_not_run(plan: BuildPlan, prefix: Path, work: Path) -> Verified:
    """The probe of a target nothing here runs: linked against the installed prefix with the
    target's compiler (every library it needs resolves for the target), and its compile-time
    values read from the program's bytes. The byte order is pjlib's compiled one."""
    exe = _link_probe(plan, prefix, work, static=True)
    data = exe.read_bytes()
    start = data.find(STATIC_TAG.encode())
    end = data.find(b"\0", start) if start >= 0 else -1
    if end < 0:
        raise VerificationError(
            f"the verification probe for {plan.target.name} holds no {STATIC_TAG} text",
            hint=f"the linker dropped its data; the probe's source and program are in {work}",
        )
    text = data[start + len(STATIC_TAG) : end].decode(errors="replace")
    values = {k: str(int(v)) for k, _, v in (p.partition("=") for p in text.split(";") if p)}
    big = values["PJ_IS_BIG_ENDIAN"] == "1"
    return Verified(
        tls_backend=_tls_backend(values),
        endianness="big" if big else "little",
        config=values,
        ran=False,
    )


def _link_probe(plan: BuildPlan, prefix: Path, work: Path, static: bool) -> Path:
    work.mkdir(parents=True, exist_ok=True)
    src = work / "pjbuild-probe.c"
    src.write_text(probe_source(plan, static))
    exe = work / "pjbuild-probe.exe"  # the suffix is harmless on ELF targets
    cflags, libs = _pc_flags(prefix)
    argv = probe_argv(plan, src, exe, cflags, libs)
    proc = subprocess.run(
        argv, capture_output=True, text=True, check=False, env={**os.environ, **dict(plan.env)}
    )
    if proc.returncode != 0:
        raise VerificationError(
            "the verification probe does not link against the installed prefix",
            hint="the artifact's libpjproject.pc or libraries are broken; see the details",
            details=" ".join(argv) + "\n" + tail(proc.stdout + proc.stderr),
        )
    return exe


def read_probe(
    done: Completed, target: str, runner: str, work: Path, target_file: Path
) -> Verified:
    """What the probe printed on the target, checked: it ran to its end, and the byte order
    it was built for is the one it runs on."""
    lines = [line.strip() for line in done.output.splitlines()]
    pairs = [line for line in lines if re.match(r"^[A-Z_]+=", line)]
    values = dict(line.split("=", 1) for line in pairs if not line.startswith("MEDIA="))
    media = frozenset(line[6:] for line in lines if line.startswith("MEDIA="))
    if done.returncode != 0 and "RUNTIME_BIG_ENDIAN" in values:
        ended = done.signal_name or ("timed out" if done.timed_out else f"exit {done.returncode}")
        raise VerificationError(
            f"the verification probe crashed on the target ({ended}, {runner}) "
            f"after printing {len(lines)} lines",
            hint="run the probe under the target's runner with a debugger (its source and "
            f"program are in {work}); an emulator too old for the target is a common cause "
            f"(`pjbuild doctor --target {target}`)",
            details=tail(done.output),
        )
    if "RUNTIME_BIG_ENDIAN" not in values:
        raise VerificationError(
            f"the verification probe did not run on the target ({runner})",
            hint=f"run `pjbuild doctor --target {target}`",
            details=tail(done.output),
        )
    runtime_big = values["RUNTIME_BIG_ENDIAN"] == "1"
    if runtime_big != (values["PJ_IS_BIG_ENDIAN"] == "1"):
        raise VerificationError(
            f"pjlib was built for the wrong byte order: PJ_IS_BIG_ENDIAN="
            f"{values['PJ_IS_BIG_ENDIAN']} but the target is "
            f"{'big' if runtime_big else 'little'}-endian at run time",
            hint=f"check the compilers in {target_file}",
        )
    return Verified(
        tls_backend=_tls_backend(values),
        endianness="big" if runtime_big else "little",
        config=values,
        media=media,
    )


def _tls_backend(values: dict[str, str]) -> str:
    """The TLS backend the probe's PJ_HAS_SSL_SOCK / PJ_SSL_SOCK_IMP say pjlib has."""
    return tls_by_number(values["PJ_SSL_SOCK_IMP"]) if values["PJ_HAS_SSL_SOCK"] == "1" else "none"


def has_runtime(media: frozenset[str], runtime: str) -> bool:
    """Did the probe find this component (components.toml `runtime`)? Codec ids match by
    prefix and case-insensitively, as pjmedia looks them up ("PCMU/8000" = "PCMU/8000/1")."""
    if runtime.startswith("codec:"):
        want = runtime.lower() + "/"
        return any((m.lower() + "/").startswith(want) for m in media if m.startswith("codec:"))
    return runtime in media


def check_components(plan: BuildPlan, found: Verified) -> dict[str, bool]:
    """Every component the plan builds is there on the target, and none it turned off is:
    {component: found}. A mismatch is an error (configure dropped or added something)."""
    by_name = {c.name: c for c in plan.components}
    result: dict[str, bool] = {}
    for d in plan.tree:
        runtime = by_name[d.component].runtime if d.component in by_name else ""
        if not runtime:
            continue
        present = has_runtime(found.media, runtime)
        result[d.component] = present
        if present != d.built:
            raise VerificationError(
                f"component {d.component} should be {'built' if d.built else 'off'} "
                f"({d.action}: {d.detail}) but the probe run on the target "
                f"{'does not find' if d.built else 'finds'} {runtime}",
                hint="see configure's output in the build log (it may have dropped the "
                "component); `pjbuild plan` shows what each component should be",
                details="the probe found: " + ", ".join(sorted(found.media)),
            )
    return result


def pjlib_config(tree: TestTree, plan: BuildPlan, runner: Runner) -> dict[str, str]:
    """pjlib-test --config on the target, for the manifest (empty when logging is too low)."""
    program = plan.catalog.programs["pjlib-test"]
    exe = tree.program_path(program)
    if exe is None:
        return {}
    return parse_config(runner.run([str(exe), "--config"], tree.cwd(program), 120).output)


def configured_tls(os_auto: dict[str, str | None]) -> str:
    """The TLS backend configure enabled, from the macros of pjlib/include/pj/compat/os_auto.h
    (pjbuild.build.configured reads them)."""
    if os_auto.get("PJ_HAS_SSL_SOCK") != "1":
        return "none"
    imp, prefix = os_auto.get("PJ_SSL_SOCK_IMP") or "", "PJ_SSL_SOCK_IMP_"
    return imp.removeprefix(prefix).lower() if imp.startswith(prefix) else "none"


def check_configured(plan: BuildPlan, os_auto: dict[str, str | None]) -> None:
    """Fail right after configure when it silently dropped the requested TLS backend
    (``os_auto``: os_auto.h's macros)."""
    if plan.tls.backend == "none" or not plan.tls.configure_detects:
        return
    found = configured_tls(os_auto)
    if found != plan.tls.backend:
        package = plan.tls.package or "the TLS library's development package"
        raise VerificationError(
            f"configure did not enable TLS '{plan.tls.backend}' (it found: {found}); "
            f"the {plan.tls.backend} headers or libraries are missing for {plan.target.name}",
            hint=f"install {package} (`pjbuild doctor --target {plan.target.name} --install`) "
            "or pass --tls none",
        )


def check_configured_features(plan: BuildPlan, src: Path) -> None:
    """Fail right after configure when it silently dropped a requested feature's library."""
    specs = load_configure_data().get("features", {})
    for name in plan.features:
        configured = specs.get(name, {}).get("configured")
        if not configured:
            continue
        path = src / configured["file"]
        text = path.read_text(errors="replace") if path.is_file() else ""
        if not re.search(rf"^#\s*define {re.escape(configured['define'])}\b", text, re.M):
            dep = providing(plan.deps, f"feature:{name}")
            raise VerificationError(
                f"configure did not enable --feature {name} (no '#define "
                f"{configured['define']}' in {configured['file']}): its check of the "
                f"{dep.name if dep else name} library failed for {plan.target.name}",
                hint="see the configure step and config.log in the build folder (a link error "
                "of the dependency usually: its [link] libraries in recipes/deps/)",
            )


def check(plan: BuildPlan, found: Verified) -> None:
    wanted = plan.tls.backend
    if found.tls_backend != wanted:
        package = plan.tls.package or "the TLS library's development package"
        raise VerificationError(
            f"TLS '{wanted}' was requested but the build has '{found.tls_backend}'",
            hint=f"install {package} for {plan.target.name} (`pjbuild doctor --target "
            f"{plan.target.name} --install`) or pass --tls none",
        )
    for name in plan.features:
        key = f"FEATURE_{name.upper()}"
        if found.config.get(key) != "1":
            raise VerificationError(
                f"--feature {name} was requested but the library reports {key}="
                f"{found.config.get(key, 'missing')}",
                hint=f"see configure's output in the build log; `pjbuild plan` shows the {name} "
                "dependency",
            )
    if found.endianness != plan.target.endianness:
        raise VerificationError(
            f"target {plan.target.name} should be {plan.target.endianness}-endian but the "
            + ("program run on it reports" if found.ran else "library was compiled")
            + f" {found.endianness}-endian",
            hint=f"check the compilers and endianness in {plan.target.path}",
        )
