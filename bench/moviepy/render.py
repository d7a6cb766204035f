#!/usr/bin/env python3
"""Renders a composition (src/providers/renderer/composition.ts, as JSON) with MoviePy 2.x.

    .tools/bench-venv/bin/python bench/moviepy/render.py <composition.json> <out.mp4>

The peers' way (MoneyPrinterTurbo and similar projects): one clip object per picture, text and
sound (ImageClip, TextClip, AudioFileClip), stacked with CompositeVideoClip/CompositeAudioClip,
moved with with_position/vfx, and write_videofile, which composes every frame in Python (numpy and
Pillow) and pipes it raw to an ffmpeg that encodes it. Relative paths in the composition are
relative to the current directory (the bench runs from the repository root).

What MoviePy cannot express, and what is done instead:
  - text boxes are square-cornered (TextClip's bg_color), not rounded; texts have no shadow (ours: 2 px);
  - the per-word highlight has no TextClip option: each caption line is a white TextClip and the
    spoken word a yellow TextClip laid over it, placed with Pillow's font metrics (kerning across
    the space before a word can shift it by a pixel);
  - no loudness normalization (MoviePy has peak normalization only; ours runs loudnorm);
  - no blur effect: the 'blurred-image' background is blurred once with Pillow (at quarter size, as ours);
  - vfx.SlideIn and vfx.SlideOut each set the clip's position and would overwrite each other, so a
    scene that slides in and is later pushed out by the next (ffmpeg xfade's slide: both move) gets
    one with_position function doing both.
Where the composition leaves the look open, ours is copied: font sizes are libass sizes (converted to
Pillow's em), outlines black, the caption outline 6 px at 76 px, caption and disclosure lines broken
where ours breaks them. Composites over an opaque background are made opaque (use_bgclip, bg_color):
MoviePy's default, transparent composites, would compose a mask with every frame for nothing.
The last stdout line is JSON: moviepy version, seconds spent importing, building and writing, and the
peak RSS (ru_maxrss) of this process and of its largest child.
"""

import functools
import json
import math
import os
import re
import resource
import sys
import time
from importlib.metadata import version

T_START = time.perf_counter()
# Both renderers must use the same encoder build: the system ffmpeg, not the one imageio-ffmpeg ships.
os.environ["FFMPEG_BINARY"] = os.environ.get("BENCH_FFMPEG", "ffmpeg")
os.environ["IMAGEIO_FFMPEG_EXE"] = os.environ["FFMPEG_BINARY"]

import numpy as np  # noqa: E402
from PIL import Image, ImageFilter, ImageFont  # noqa: E402
from moviepy import AudioFileClip, CompositeAudioClip, CompositeVideoClip, ImageClip, TextClip, vfx  # noqa: E402

T_IMPORTED = time.perf_counter()

# The look of our renderer (src/providers/renderer/ffmpeg-plan.ts, ffmpeg-ass.ts) where the composition leaves it open.
BLUR_RADIUS = 12  # a box blur, twice, at quarter size
BACKGROUND_DARKEN = 0.55
TEXT_OUTLINE_COLOR = "#000000"
BOX_PADDING = 0.28  # a text box's padding, in font sizes
CAPTION_OUTLINE = 6 / 76  # outline width per caption font px
DISCLOSURE_BOX = (0, 0, 0, 175)  # dark translucent
DISCLOSURE_PAD = 12
DISCLOSURE_MARGIN = 70  # each side
CAPTION_MAX_LINES = 2
AUDIO_RATE = 48000  # AAC 128 kb/s at 48 kHz, as ours
# Where the next scene comes from, as a unit vector: slideleft = enters from the right, moving left.
SLIDE_FROM = {"slideleft": (1, 0), "slideright": (-1, 0), "slideup": (0, 1), "slidedown": (0, -1)}


def hex_rgb(color):
    c = color.lstrip("#")
    return np.array([int(c[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.float32)


# ---------------------------------------------------------------- scene layers


def gradient_clip(w, h, start, end, duration):
    """A linear gradient from the top-left corner (start) to the bottom-right one (end), as one ImageClip."""
    x = np.arange(w, dtype=np.float32)[None, :]
    y = np.arange(h, dtype=np.float32)[:, None]
    # The position of each pixel projected on the diagonal, 0 at top left and 1 at bottom right.
    t = np.clip((x * w + y * h) / (w * w + h * h), 0, 1)[..., None]
    frame = hex_rgb(start) * (1 - t) + hex_rgb(end) * t
    return ImageClip(frame.astype(np.uint8)).with_duration(duration)


def blurred_image_clip(image_path, w, h, duration):
    """The product image scaled to cover w x h, blurred and darkened (blurred once, here, with Pillow)."""
    img = Image.open(image_path).convert("RGB")
    qw, qh = w // 4, h // 4
    scale = max(qw / img.width, qh / img.height)
    cover = img.resize((max(qw, round(img.width * scale)), max(qh, round(img.height * scale))), Image.Resampling.BILINEAR)
    left, top = (cover.width - qw) // 2, (cover.height - qh) // 2
    small = cover.crop((left, top, left + qw, top + qh))
    for _ in range(2):
        small = small.filter(ImageFilter.BoxBlur(BLUR_RADIUS))
    full = small.resize((w, h), Image.Resampling.BICUBIC)
    return ImageClip(np.array(full)).with_duration(duration).with_effects([vfx.MultiplyColor(BACKGROUND_DARKEN)])


def product_image_clip(image, motion, duration):
    """The product image fitted into its box; on a zoom scene the picture grows about its centre inside
    that fitted frame over the scene (as ours: the image zooms, its footprint stays)."""
    box = image["box"]
    clip = ImageClip(image["path"]).with_duration(duration)
    fit = min(box["w"] / clip.w, box["h"] / clip.h)
    fw, fh = round(clip.w * fit), round(clip.h * fit)
    at = (box["x"] + (box["w"] - fw) / 2, box["y"] + (box["h"] - fh) / 2)
    if motion["kind"] != "zoom":
        return clip.resized((fw, fh)).with_position(at)
    zoom_to = motion["zoomTo"]
    # The Ken Burns idiom of the peers: a resize as a function of time (Pillow LANCZOS, every frame),
    # centered in a fixed-size composite that cuts it back to the fitted frame.
    zoomed = clip.resized(lambda t: fit * (1 + (zoom_to - 1) * min(t, duration) / duration)).with_position("center")
    return CompositeVideoClip([zoomed], size=(fw, fh), bg_color=(0, 0, 0)).with_duration(duration).with_position(at)


@functools.cache
def em_px(font_file, size):
    """The Pillow font size (em) that draws as large as our renderer's `size`: libass takes a font size
    as the height of the font's ascent + descent, Pillow as its em (DejaVu Sans: 0.86 of it)."""
    ascent, descent = ImageFont.truetype(font_file, 1000).getmetrics()
    return max(1, round(size * 1000 / (ascent + descent)))


def pillow_font(font_file, size):
    return ImageFont.truetype(font_file, em_px(font_file, size))


def make_text(font_file, text, size, stroke=0, stroke_color=TEXT_OUTLINE_COLOR, pad=(0, 0), **kw):
    """A TextClip whose descenders survive: MoviePy 2.2 sizes the picture by the text's bounding box but
    draws from the font's ascent, which cuts off the bottom of 'g', 'y', ',' … A bottom margin of the
    font's descent gives them room."""
    descent = pillow_font(font_file, size).getmetrics()[1]
    margin = (pad[0], pad[1], pad[0], pad[1] + descent + stroke)
    extra = {"stroke_color": stroke_color, "stroke_width": stroke} if stroke else {}
    kw.setdefault("text_align", "center")
    return TextClip(font=font_file, text=text, font_size=em_px(font_file, size), margin=margin, **extra, **kw)


def text_clip(font_file, text, duration):
    """One CompText: centered on (x, y), with an optional filled box and outline."""
    size = text["size"]
    kw = {"color": text["color"], "stroke": int(text.get("outline") or 0)}
    if text.get("box"):
        kw.update(bg_color=text["box"], pad=(round(size * BOX_PADDING), round(size * BOX_PADDING)))
    clip = make_text(font_file, text["text"], size, **kw).with_duration(duration)
    return clip.with_position((text["x"] - clip.w / 2, text["y"] - clip.h / 2))


def visible_span(comp, index):
    """When scene `index` is on screen: from its start until the next scene has slid in over it."""
    scenes = comp["scenes"]
    scene = scenes[index]
    if index + 1 == len(scenes):
        return scene["startSec"], scene["endSec"]
    # Our renderer's compositions end a scene where the next starts; it stays under the next one's slide.
    return scene["startSec"], max(scene["endSec"], scenes[index + 1]["startSec"] + comp["transitionSec"])


def slide_position(comp, index, duration):
    """The scene's top-left corner over time (scene time): it slides in, and is pushed out by the next scene."""
    w, h, tr = comp["width"], comp["height"], comp["transitionSec"]
    scenes = comp["scenes"]
    scene = scenes[index]
    next_scene = scenes[index + 1] if index + 1 < len(scenes) else None
    slide_in = SLIDE_FROM.get(scene.get("transitionIn"))
    slide_out = SLIDE_FROM.get(next_scene.get("transitionIn")) if next_scene else None
    out_start = next_scene["startSec"] - scene["startSec"] if next_scene else duration

    def position(t):
        x = y = 0.0
        if slide_in and tr > 0:
            left = 1 - min(1.0, t / tr)
            x, y = slide_in[0] * w * left, slide_in[1] * h * left
        if slide_out and tr > 0 and t > out_start:
            done = min(1.0, (t - out_start) / tr)
            x, y = x - slide_out[0] * w * done, y - slide_out[1] * h * done
        return (x, y)

    return position


def scene_clip(comp, index):
    scene = comp["scenes"][index]
    w, h = comp["width"], comp["height"]
    start, until = visible_span(comp, index)
    duration = until - start
    motion = scene["motion"]
    # A pan draws the scene on a larger canvas (even sizes, as ours) and moves a frame-sized window over it.
    scale = motion["canvasScale"] if motion["kind"] == "pan" else 1
    cw, ch = 2 * math.ceil(w * scale / 2), 2 * math.ceil(h * scale / 2)

    bg = scene["background"]
    if bg["kind"] == "gradient":
        layers = [gradient_clip(cw, ch, bg["from"], bg["to"], duration)]
    else:
        image = scene.get("image")
        if not image:
            raise ValueError(f"scene {index + 1}: a blurred-image background needs the scene's image")
        layers = [blurred_image_clip(image["path"], cw, ch, duration)]
    if scene.get("image"):
        layers.append(product_image_clip(scene["image"], motion, duration))
    layers += [text_clip(comp["fontFile"], t, duration) for t in scene["texts"]]
    # use_bgclip: the background is opaque, so the scene needs no mask of its own (cheaper to compose).
    clip = CompositeVideoClip(layers, size=(cw, ch), use_bgclip=True).with_duration(duration)

    if motion["kind"] == "pan":
        (fx, fy), (tx, ty) = (motion["from"]["x"], motion["from"]["y"]), (motion["to"]["x"], motion["to"]["y"])
        speed = ((tx - fx) / duration, (ty - fy) / duration)
        clip = clip.with_effects([vfx.Scroll(w=w, h=h, x_speed=speed[0], y_speed=speed[1], x_start=fx, y_start=fy)])
    return clip.with_start(start).with_position(slide_position(comp, index, duration))


# ---------------------------------------------------------------- captions and disclosure


WIDE = re.compile(r"[A-Z0-9$€£%★✓@#&WMmw]")
NARROW = re.compile(r"[\s.,:;'!|il]")


def estimated_width(text, size):
    """Our renderer's estimate of a text's width (textWidth in src/providers/renderer/scenes.ts): line
    breaks are made with it, so MoviePy breaks caption lines where ours does."""
    return size * sum(0.78 if WIDE.match(c) else 0.36 if NARROW.match(c) else 0.66 for c in text)


def wrap_words(words, size, max_width, max_lines):
    """Greedy line breaking as ours (wrapWords in ffmpeg-ass.ts): past max_lines the last line takes the rest."""
    lines, width, space = [[]], 0.0, estimated_width(" ", size)
    for word in words:
        ww = estimated_width(word, size)
        if lines[-1] and width + space + ww > max_width and len(lines) < max_lines:
            lines.append([word])
            width = ww
        else:
            width += (space if lines[-1] else 0) + ww
            lines[-1].append(word)
    return lines


def caption_clips(comp):
    """Each page as one white TextClip per line, and the spoken word as a highlight TextClip over it."""
    style, font_file = comp["captionStyle"], comp["fontFile"]
    cx = style.get("centerX", comp["width"] / 2)
    size = style["size"]
    stroke = max(1, round(size * CAPTION_OUTLINE))
    font = pillow_font(font_file, size)
    ascent, descent = font.getmetrics()
    line_pitch = ascent + descent
    clips = []
    for page in comp["captions"]:
        words = page["words"]
        lines = wrap_words([w["text"] for w in words], size, style["maxWidth"], CAPTION_MAX_LINES)
        top = style["centerY"] - (len(lines) * line_pitch + 2 * stroke) / 2
        index = 0
        for n, line in enumerate(lines):
            y = top + n * line_pitch
            line_clip = make_text(font_file, " ".join(line), size, stroke, style["outline"], color=style["color"])
            x = cx - line_clip.w / 2
            clips.append(line_clip.with_start(page["startSec"]).with_end(page["endSec"]).with_position((x, y)))
            for k, word in enumerate(line):
                # As ours: a word stays highlighted until the next one starts (the last until the page ends).
                begin = page["startSec"] if index == 0 else words[index]["startSec"]
                end = words[index + 1]["startSec"] if index + 1 < len(words) else page["endSec"]
                index += 1
                if end <= begin:
                    continue
                prefix = font.getlength(" ".join(line[:k]) + " ") if k else 0
                word_clip = make_text(font_file, word, size, stroke, style["outline"], color=style["highlight"])
                clips.append(word_clip.with_start(begin).with_end(end).with_position((x + prefix, y)))
    return clips


def disclosure_clip(comp):
    d = comp["disclosure"]
    lines = wrap_words(d["text"].split(), d["size"], comp["width"] - 2 * DISCLOSURE_MARGIN, 2)
    clip = make_text(
        comp["fontFile"],
        "\n".join(" ".join(line) for line in lines),
        d["size"],
        pad=(DISCLOSURE_PAD, DISCLOSURE_PAD),
        color="#ffffff",
        bg_color=DISCLOSURE_BOX,
    )
    return clip.with_duration(comp["durationSec"]).with_position(("center", d["centerY"] - clip.h / 2))


# ---------------------------------------------------------------- the whole video


def build(comp):
    size = (comp["width"], comp["height"])
    scenes = [scene_clip(comp, i) for i in range(len(comp["scenes"]))]
    # An opaque background: a transparent composite (the default) would also compose and send a mask
    # with every frame (RGBA to ffmpeg), for nothing.
    video = CompositeVideoClip([*scenes, *caption_clips(comp), disclosure_clip(comp)], size=size, bg_color=(0, 0, 0))
    # Read at the output rate (MoviePy reads at 44.1 kHz by default and would pick the nearest samples).
    audio = CompositeAudioClip([AudioFileClip(a["path"], fps=AUDIO_RATE).with_start(a["startSec"]) for a in comp["audio"]])
    return video.with_duration(comp["durationSec"]).with_audio(audio.with_duration(comp["durationSec"]))


def main(argv):
    if len(argv) != 3:
        print(f"usage: {argv[0]} <composition.json> <out.mp4>", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        comp = json.load(f)
    out = argv[2]
    video = build(comp)
    t_built = time.perf_counter()
    video.write_videofile(
        out,
        fps=comp["fps"],
        codec="libx264",
        # The x264 preset our renderer used (bench/moviepy-compare.ts passes it), so both encode alike.
        preset=os.environ.get("X264_PRESET", "veryfast"),
        ffmpeg_params=["-crf", "23", "-profile:v", "high", "-movflags", "+faststart"],
        audio_codec="aac",
        audio_bitrate="128k",
        audio_fps=AUDIO_RATE,
        temp_audiofile=f"{out}.audio.m4a",
        threads=2,
        logger=None,
    )
    video.close()
    t_written = time.perf_counter()
    kib = 1024  # ru_maxrss is in KiB on Linux
    print(
        json.dumps(
            {
                "moviepy": version("moviepy"),  # moviepy.__version__ says 2.1.2 in 2.2.1
                "importSec": round(T_IMPORTED - T_START, 3),
                "buildSec": round(t_built - T_IMPORTED, 3),
                "writeSec": round(t_written - t_built, 3),
                "selfMaxRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * kib,
                "largestChildMaxRssBytes": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * kib,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
