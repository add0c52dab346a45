"""What a call's recording heard: the sent tones in order pass, everything a broken codec
produces fails."""

from __future__ import annotations

import random
import struct
import wave
from pathlib import Path

import pytest

from pjbuild.ontarget import audio


def _samples(path: Path) -> tuple[int, list[int]]:
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = wav.readframes(wav.getnframes())
    return rate, list(struct.unpack(f"<{len(data) // 2}h", data))


def _write(path: Path, rate: int, samples: list[int]) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return path


def _recording(tmp_path: Path, rate: int, transform=lambda s: s) -> Path:  # type: ignore[no-untyped-def]
    """What a good call records: the sent file, looped, late by some silence, at a lower
    level, with noise; ``transform`` breaks it the way a codec could."""
    sent = tmp_path / "sent.wav"
    audio.write_tones(sent, rate)
    _, samples = _samples(sent)
    rng = random.Random(1)
    start = samples[len(samples) * 3 // 5 :]  # the call begins in the middle of the file
    heard = [0] * (rate // 5) + start + samples + samples[: len(samples) // 3]
    heard = [max(-32768, min(32767, int(0.6 * x) + rng.randint(-300, 300))) for x in heard]
    return _write(tmp_path / "heard.wav", rate, transform(heard))


@pytest.mark.parametrize("rate", [8000, 16000, 44100, 48000])
def test_the_sent_tones_are_heard_in_order(tmp_path: Path, rate: int) -> None:
    heard = audio.hear(_recording(tmp_path, rate))
    assert heard.ok, heard.reason
    assert heard.in_order == len(heard.runs) >= 7
    assert heard.runs[:3] == (1550, 700, 500)  # from the middle of the file on


def test_byte_swapped_samples_fail(tmp_path: Path) -> None:
    """A codec port that forgets the byte order on a big-endian CPU."""

    def swap(samples: list[int]) -> list[int]:
        return list(struct.unpack(f"<{len(samples)}h", struct.pack(f">{len(samples)}h", *samples)))

    heard = audio.hear(_recording(tmp_path, 8000, swap))
    assert not heard.ok
    assert heard.runs == () and "no tone" in heard.reason


def test_silence_and_noise_fail(tmp_path: Path) -> None:
    silent = audio.hear(_write(tmp_path / "silence.wav", 8000, [0] * 24000))
    assert (silent.ok, silent.reason) == (False, "no tone in the recording (silence or noise)")
    rng = random.Random(2)
    noisy = audio.hear(
        _write(tmp_path / "n.wav", 8000, [rng.randint(-9000, 9000) for _ in range(24000)])
    )
    assert not noisy.ok


def test_the_other_sides_tones_or_a_wrong_order_fail(tmp_path: Path) -> None:
    """A side that hears itself (its own tones, reversed order) fails the check."""
    reversed_file = tmp_path / "rev.wav"
    audio.write_tones(reversed_file, 8000, tuple(reversed(audio.TONES_HZ)))
    heard = audio.hear(reversed_file)
    assert not heard.ok and "not the ones sent" in heard.reason
    assert audio.hear(reversed_file, tuple(reversed(audio.TONES_HZ))).ok


def test_too_short_a_recording_fails(tmp_path: Path) -> None:
    rate, samples = _samples(_recording(tmp_path, 8000))
    tone = rate * audio.TONE_MS // 1000
    # the recording's leading silence, then two tones and a half
    short = _write(tmp_path / "short.wav", rate, samples[: rate // 5 + tone * 5 // 2])
    heard = audio.hear(short)
    assert not heard.ok and 0 < len(heard.runs) < audio.MIN_TONES


def test_missing_empty_or_broken_files_fail(tmp_path: Path) -> None:
    assert "missing or empty" in audio.hear(tmp_path / "none.wav").reason
    header_only = _write(tmp_path / "header.wav", 8000, [])
    assert "missing or empty" in audio.hear(header_only).reason
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + b"\0" * 100)  # pjsua killed before it closed the file
    assert "not a readable WAV" in audio.hear(broken).reason


CALLS = Path(__file__).parents[1] / "fixtures" / "calls"


def test_real_lossy_recordings_from_slow_emulators_pass() -> None:
    """What pjsua recorded in speex/8000 calls under qemu-m68k (200-300 ms dropouts: the
    emulated CPU falls behind real time), qemu-ppc (a tone garbled by packet loss
    concealment) and qemu-arm (silences while two other builds ran). Each failed its call
    once under an earlier, stricter rule; the decoded tones are right."""
    m68k = audio.hear(CALLS / "m68k-speex-8000-callee-heard.wav")
    assert m68k.ok and m68k.runs[:3] == (500, 850, 1200), m68k
    ppc = audio.hear(CALLS / "ppc-speex-8000-caller-heard.wav", tuple(reversed(audio.TONES_HZ)))
    assert ppc.ok and len(ppc.runs) >= 6, ppc
    # qemu-arm with two other builds running: 0.7 s and 0.4 s of silence, two tones lost there
    armhf = audio.hear(CALLS / "armhf-speex-8000-callee-heard.wav")
    assert armhf.ok and armhf.runs == (500, 850, 1550, 700, 850, 1200), armhf
    # the same recordings checked against the other side's order fail
    assert not audio.hear(CALLS / "ppc-speex-8000-caller-heard.wav").ok


def _looped(tmp_path: Path, rate: int = 8000) -> tuple[list[int], int]:
    sent = tmp_path / "sent.wav"
    audio.write_tones(sent, rate)
    _, one = _samples(sent)
    return one * 3, rate * audio.TONE_MS // 1000  # 15 tones: 500 850 1200 1550 700, 3 times


def _replace(samples: list[int], n: int, slots: tuple[int, ...], noise: bool) -> list[int]:
    rng = random.Random(3)
    out = list(samples)
    for slot in slots:
        out[slot * n : (slot + 1) * n] = (
            [rng.randint(-9000, 9000) for _ in range(n)] if noise else [0] * n
        )
    return out


def test_one_garbled_tone_passes_two_fail(tmp_path: Path) -> None:
    """A tone turned to noise (concealment of lost frames) may go missing once."""
    looped, n = _looped(tmp_path)
    once = audio.hear(_write(tmp_path / "a.wav", 8000, _replace(looped, n, (6,), noise=True)))
    assert (once.ok, once.lost) == (True, 1), once.reason
    twice = audio.hear(_write(tmp_path / "b.wav", 8000, _replace(looped, n, (2, 8), noise=True)))
    assert not twice.ok and twice.lost == 2 and "miss 2" in twice.reason


def test_tones_lost_in_silence_pass_when_every_tone_is_heard(tmp_path: Path) -> None:
    """An emulated CPU that fell behind: 0.8 s of audio missing (two tones), the rest right."""
    looped, n = _looped(tmp_path)
    gap = audio.hear(_write(tmp_path / "a.wav", 8000, _replace(looped, n, (2, 3), noise=False)))
    assert gap.ok and gap.lost == 0, gap.reason
    assert gap.runs[:3] == (500, 850, 700)


def test_a_tone_silenced_each_time_it_is_sent_fails(tmp_path: Path) -> None:
    looped, n = _looped(tmp_path)
    heard = audio.hear(
        _write(tmp_path / "a.wav", 8000, _replace(looped, n, (1, 6, 11), noise=False))
    )
    assert not heard.ok and heard.reason.endswith(
        "never hold [850] of those sent [500, 850, 1200, 1550, 700]"
    )


def test_a_recording_short_of_ticks_still_holds_every_tone(tmp_path: Path) -> None:
    """An emulated CPU that cannot keep up skips media clock ticks, and the player with the
    recorder: the 3 s call records less, without a silence. The shortest measured (soft-float
    Opus/48000 under qemu-armeb beside two builds) held under 2 s of the caller's tones; with
    1.3 s of them every tone is still heard, in order."""
    rate = 8000
    looped, _ = _looped(tmp_path, rate)
    short = looped[: rate * 13 // 10]
    heard = audio.hear(_write(tmp_path / "short.wav", rate, short))
    assert heard.ok, heard.reason
    assert heard.runs[:5] == audio.TONES_HZ
