"""The screening stage (``affectkit screen``, ``analyze(..., screen=True)``): the record's
``screening`` block from the fused segments, one entry per screened speaker, each explained in
words. Runs after fusion, so the markers can use every modality's readings."""
from __future__ import annotations

from affectkit.analysis.pipeline import Job


def screen(job: Job) -> None:
    """``job.screening``: the block ``screen.session.screen_segments`` builds, explained."""
    from affectkit.explain.screening import explain_speaker
    from affectkit.screen.session import screen_segments

    opts = job.opts
    with job.timer.stage("screen", len(job.segments)):
        block = screen_segments(job.segments, channels=job.channels, speakers=opts.screen_speakers,
                                include_interviewer=opts.include_interviewer, model=opts.screen_model)
        for sp in block["speakers"]:
            sp["explanation"] = explain_speaker(sp)
    job.models["screen"] = block["model"]
    for w in block["warnings"]:
        job.say(f"warning: {w}")
    job.screening = block
