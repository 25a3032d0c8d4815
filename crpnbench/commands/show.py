"""``crpnbench show``: draw the ground truth and trackers' boxes on a sequence's frames into an MP4 or GIF
(the library: :func:`crpnbench.reports.video.show_results`)."""

from __future__ import annotations

import click

from crpnbench.commands.options import (
    annotations_option,
    convention_option,
    data_root_option,
    dataset_option,
    out_option,
    protocol_option,
    quiet_option,
    results_option,
    sequences_option,
    tracker_option,
)


@click.command("show")
@dataset_option("Benchmark name (otb2015, vot2018, lasot, synthetic, ...).", required=True)
@data_root_option()
@annotations_option()
@results_option("Folder of raw results to read: one sub-folder per tracker (default <out>/raw/<dataset>/).")
@tracker_option("Draw only this tracker folder; repeatable (default: all).")
@sequences_option("The sequences to draw, one video each (required).")
@out_option("Output root: videos go to <out>/videos/<dataset>/<sequence>.<format>.")
@protocol_option("Experiment whose results are drawn (default: baseline for VOT, ope otherwise).")
@convention_option("Scoring convention of the per-frame IoU printed, as in `crpnbench score`.")
@click.option("--format", "fmt", type=click.Choice(["mp4", "gif"]), default="mp4", show_default=True,
              help="MP4 (OpenCV) or GIF (needs Pillow; frames scaled to at most 480 px wide).")
@click.option("--fps", type=click.FloatRange(min=0.1), default=None,
              help="Frames per second of the video (default 30 for OPE, 25 for VOT).")
@click.option("--frames", "max_frames", type=click.IntRange(min=1), default=None, metavar="N",
              help="Only the first N frames of each sequence.")
@quiet_option()
def command(dataset, data_root, annotations, results, trackers, sequences, out, protocol, convention, fmt, fps,
            max_frames, quiet):
    """Draw the ground truth (white) and every tracker's boxes (the plots' colours) on a sequence's frames,
    with the frame number and each tracker's IoU in the corner; VOT failures marked. Prints each video's path."""
    from pathlib import Path

    from crpnbench.errors import ConfigError
    from crpnbench.reports.video import show_results

    if not sequences:
        raise ConfigError("name the sequences to draw: --sequences A,B")
    results = results or str(Path(out) / "raw" / dataset)
    videos = show_results(dataset, sequences, results=results, out=out, data_root=data_root, annotations=annotations,
                          trackers=list(trackers) or None, protocol=protocol, convention=convention, fmt=fmt,
                          fps=fps, max_frames=max_frames, progress=not quiet)
    for video in videos:
        click.echo(str(video.path))
