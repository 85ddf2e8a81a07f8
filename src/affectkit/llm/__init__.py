"""The LLM backend: an OpenAI-compatible client (any server: llama.cpp, vLLM, Ollama, hosted)
and a local GGUF backend with the same interface, a response cache, versioned prompts, robust
reply parsing with typed errors, and open-vocabulary emotion mapping.

What uses it lives with its users: ``affectkit.explain.llm_readings`` (an LLM's reading of each
utterance beside ours), ``affectkit.bench.llm_classifier`` (LLMs scored as text classifiers), and
``affectkit.cli.llm`` (the ``analyze --llm`` options). Nothing here is imported by the pipeline
unless an LLM is asked for."""
from affectkit.llm.client import ChatClient, ChatReply
from affectkit.llm.errors import (LLMError, LLMHTTPError, LLMModelMissing, LLMRefusal, LLMReplyError, LLMTimeout,
                                  LLMTruncated, LLMUnreachable)

__all__ = ["ChatClient", "ChatReply", "LLMError", "LLMHTTPError", "LLMModelMissing", "LLMRefusal", "LLMReplyError",
           "LLMTimeout", "LLMTruncated", "LLMUnreachable"]
