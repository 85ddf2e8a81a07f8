"""Explanations in plain words: the cues behind each reading, per modality, and one sentence
per utterance that names them, each modality's share of the fused answer and any conflict."""
from affectkit.explain.explanation import explain_utterance
from affectkit.explain.text_cues import key_phrases
from affectkit.explain.voice_cues import voice_phrases

__all__ = ["explain_utterance", "key_phrases", "voice_phrases"]
