"""Utterance segmentation: from transcript timestamps, else speech-to-text (the ``asr`` extra),
else voice-activity detection."""
from affectkit.segment.asr import Transcription, transcribe
from affectkit.segment.vad import segments_from_transcript, vad_segments

__all__ = ["Transcription", "segments_from_transcript", "transcribe", "vad_segments"]
