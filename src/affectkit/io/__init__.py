"""Input: transcript readers (and, later, media decoding)."""
from affectkit.io.transcripts import read_transcript, parse_transcript, TRANSCRIPT_FORMATS

__all__ = ["read_transcript", "parse_transcript", "TRANSCRIPT_FORMATS"]
