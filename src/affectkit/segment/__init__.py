"""Utterance segmentation: from transcript timestamps, else voice-activity detection."""
from affectkit.segment.vad import segments_from_transcript, vad_segments

__all__ = ["segments_from_transcript", "vad_segments"]
