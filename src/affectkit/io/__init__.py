"""Input: transcript readers and media probing/decoding."""
from affectkit.io.audio import AudioInfo, load_audio, probe_audio
from affectkit.io.transcripts import read_transcript, parse_transcript, TRANSCRIPT_FORMATS

__all__ = ["AudioInfo", "load_audio", "probe_audio", "read_transcript", "parse_transcript", "TRANSCRIPT_FORMATS"]
