"""LLMs in the loop: an OpenAI-compatible client (any server: llama.cpp, vLLM, Ollama, hosted)
and a local GGUF backend, versioned prompts, robust reply parsing with typed errors,
open-vocabulary emotion mapping, textualized cues for explainable emotion reasoning
(``add_llm_readings``), and evaluation of LLMs as text classifiers (``LLMClassifier``).

Nothing here is imported by the core pipeline unless an LLM is asked for."""
from affectkit.explain.llm.client import ChatClient, ChatReply
from affectkit.explain.llm.errors import (LLMError, LLMHTTPError, LLMModelMissing, LLMRefusal, LLMReplyError,
                                          LLMTimeout, LLMTruncated, LLMUnreachable)
from affectkit.explain.llm.evaluate import LLMClassifier, evaluate_llm, make_llm_model
from affectkit.explain.llm.readings import add_llm_readings

__all__ = ["ChatClient", "ChatReply", "LLMClassifier", "LLMError", "LLMHTTPError", "LLMModelMissing", "LLMRefusal",
           "LLMReplyError", "LLMTimeout", "LLMTruncated", "LLMUnreachable", "add_llm_readings", "evaluate_llm",
           "make_llm_model"]
