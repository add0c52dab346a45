"""The audio of a loopback call: a known sequence of tones, and what a recording heard.

Each side of a call plays a WAV file of distinct tones in a fixed order and records what it
decodes. A codec that works hands the other side the same tones in the same order, whatever it
does to their phase or level; a broken port (samples byte-swapped on a big-endian CPU, a wrong
frame size, silence) does not. Analysis: per 20 ms window, the share of the window's energy at
each tone's frequency (Goertzel); a window is a tone when one frequency holds most of it.
"""

from __future__ import annotations

import itertools
import math
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

# Under 3.4 kHz (narrowband codecs), apart from each other, a whole number of periods in 20 ms.
TONES_HZ = (500, 850, 1200, 1550, 700)
# 200 ms: the five tones last 1 s, and a 3 s call holds them three times over. An emulated CPU
# that cannot keep up skips media clock ticks, and the player and the recorder skip them with
# it: fewer frames, no silence. Soft-float Opus/48000 under qemu-armeb needs 1.1 cores; with
# two builds beside it a recording held 2.0-2.4 s, once under 2 s, which missed 400 ms tones.
TONE_MS = 200
AMPLITUDE = 0.3  # of full scale: no clipping in any codec
WINDOW_MS = 20
MIN_SHARE = 0.5  # a window is a tone when that frequency holds this share of its energy
MIN_LEVEL = 0.02  # windows quieter than this (RMS, of full scale) are silence
MIN_RUN = 3  # windows (60 ms) a tone must last to count
MIN_TONES = 4  # tones in the right order a recording must hold, each sent tone at least once
# An emulated CPU that falls behind real time loses audio: silence in the recording (measured
# under qemu-m68k, qemu-ppc, and qemu-arm with two other builds running: gaps of 0.3-0.7 s).
# Tones may be missing across such a silence; without one, one tone may be missing once (a
# frame garbled by concealment), more fail. A tone never heard, or tones out of order, fail.
SILENCE_GAP = 5  # windows (100 ms) of silence between two tones: audio was lost there
MAX_LOST = 1


def write_tones(path: Path, rate: int, tones: tuple[int, ...] = TONES_HZ) -> None:
    """A 16-bit mono WAV of the tones, TONE_MS each, at ``rate`` Hz."""
    n = rate * TONE_MS // 1000
    frames = bytearray()
    for freq in tones:
        step = 2 * math.pi * freq / rate
        frames += struct.pack(
            f"<{n}h", *(round(AMPLITUDE * 32767 * math.sin(step * i)) for i in range(n))
        )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(frames))


def _share(window: list[int], freq: int, rate: int, energy: float) -> float:
    """Share of the window's energy at ``freq`` (Goertzel; 1.0 for a pure tone)."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in window:
        s1, s2 = x + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return power / (energy * len(window) / 2)


def window_labels(path: Path, tones: tuple[int, ...] = TONES_HZ) -> tuple[int, list[int]]:
    """(rate, one label per 20 ms window: the tone's frequency, 0 silence, -1 neither)."""
    with wave.open(str(path), "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        data = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"{path.name}: {8 * width}-bit samples, expected 16-bit")
    samples = list(struct.unpack(f"<{len(data) // 2}h", data))[::channels]
    n = rate * WINDOW_MS // 1000
    quiet = (MIN_LEVEL * 32767) ** 2
    labels = []
    for start in range(0, len(samples) - n + 1, n):
        window = samples[start : start + n]
        energy = float(sum(x * x for x in window))
        if energy / n < quiet:
            labels.append(0)
            continue
        share, freq = max((_share(window, f, rate, energy), f) for f in tones)
        labels.append(freq if share >= MIN_SHARE else -1)
    return rate, labels


@dataclass(frozen=True)
class Heard:
    """What a recording holds: its tone runs in order, and the verdict."""

    runs: tuple[int, ...]  # tone frequencies, one per run of MIN_RUN windows or more
    in_order: int  # runs when they all follow the sent order, else 0
    windows: int
    ok: bool
    reason: str
    lost: int = 0  # tones missing between the runs (at most MAX_LOST passes)

    def to_json(self) -> dict[str, object]:
        return {
            "tones": list(self.runs),
            "in_order": self.in_order,
            "lost": self.lost,
            "windows": self.windows,
            "ok": self.ok,
            "reason": self.reason,
        }


def _runs(labels: list[int]) -> list[tuple[int, bool]]:
    """The tones of a label sequence, one per run of MIN_RUN windows or more, each with
    whether a silence of SILENCE_GAP windows or more came before it; runs of the same tone
    split by a short glitch count once."""
    runs: list[tuple[int, bool]] = []
    start = 0
    silent = 0  # windows of silence since the last tone run
    for i in range(1, len(labels) + 1):
        if i < len(labels) and labels[i] == labels[start]:
            continue
        tone, length = labels[start], i - start
        if tone == 0:
            silent += length
        elif tone > 0 and length >= MIN_RUN:
            if not runs or runs[-1][0] != tone:
                runs.append((tone, silent >= SILENCE_GAP))
            silent = 0
        start = i
    return runs


def hear(path: Path, tones: tuple[int, ...] = TONES_HZ) -> Heard:
    """Does the recording hold the sent tones, in the sent order (cyclic: the file loops)?"""
    if not path.is_file() or path.stat().st_size <= 44:
        return Heard((), 0, 0, False, f"no recording ({path.name} is missing or empty)")
    try:
        _, labels = window_labels(path, tones)
    except (wave.Error, EOFError, ValueError, struct.error) as exc:
        return Heard((), 0, 0, False, f"{path.name} is not a readable WAV file ({exc})")
    found = _runs(labels)
    runs = tuple(tone for tone, _ in found)
    lost = 0
    in_order = len(runs)
    for (a, _), (b, after_silence) in itertools.pairwise(found):
        step = (tones.index(b) - tones.index(a)) % len(tones)
        if after_silence:
            continue  # audio was lost: any number of tones may be missing there
        if step not in (1, 1 + MAX_LOST):
            in_order = 0
        lost += step - 1 if step == 1 + MAX_LOST else 0
    never = [t for t in tones if t not in runs]
    ok = in_order >= MIN_TONES and lost <= MAX_LOST and not never
    reason = ""
    if not runs:
        reason = "no tone in the recording (silence or noise)"
    elif not in_order:
        reason = f"tones {list(runs)} are not the ones sent, in order {list(tones)}"
    elif lost > MAX_LOST:
        reason = f"tones {list(runs)} miss {lost} of those sent {list(tones)}"
    elif len(runs) < MIN_TONES:
        reason = f"only {len(runs)} tones in the recording ({list(runs)}), {MIN_TONES} needed"
    elif never:
        reason = f"tones {list(runs)} never hold {never} of those sent {list(tones)}"
    return Heard(runs, in_order, len(labels), ok, reason, lost)
