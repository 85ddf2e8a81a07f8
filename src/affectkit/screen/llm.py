"""``affectkit screen --llm``: each screened speaker's markers and evidence written out as text
for an LLM's reading, as ``analyze --llm`` does for emotion. The LLM's answer is stored beside
ours (``screening.llm``), never in place of it; one failed request is recorded and the rest run."""
from __future__ import annotations

PROMPT_VERSION = "screen_reading@1"
SYSTEM = ("You read indicators that a screening tool measured in one person's words, voice and face during "
          "a conversation. You are not diagnosing anyone. In at most five sentences, say which indicators "
          "are notable and how strongly they suggest stress or depression, and whether anything needs "
          "urgent attention. Say plainly when the evidence is weak.")


def textualize(sp: dict) -> str:
    """One speaker's screening as plain text: the readings, the crisis evidence, every marker
    with its value, unit and the direction the literature found."""
    who = sp["speaker"] if sp["speaker"] is not None else "the speaker"
    lines = [f"Speaker: {who} ({sp['words']} words in {sp['segments']} utterances)."]
    if sp["status"] == "insufficient":
        lines.append(f"Stress and depression: not read ({sp['reason']}).")
    else:
        for task in ("stress", "depression"):
            r = sp[task]
            lines.append(f"{task.capitalize()}: probability {r['probability']:.2f}, level {r['level']} "
                         f"(elevated from {r['thresholds']['elevated']:.2f}, high from {r['thresholds']['high']:.2f}).")
    c = sp["crisis"]
    if c["flag"]:
        lines.append("Crisis statements in the person's own words: " + "; ".join(
            f"\"{e['phrase']}\" ({e['category']}, {e['tense']})" for e in c["evidence"]) + ".")
    else:
        lines.append("No crisis statement in the person's own words.")
    if c["excluded"]:
        lines.append("Phrases not counted: " + "; ".join(f"\"{e['phrase']}\" ({e['reason']})" for e in c["excluded"][:5]) + ".")
    for m in sp["markers"]:
        val = "not measured" + (f" ({m['note']})" if m["note"] else "") if m["value"] is None else f"{m['value']:g} {m['unit']}"
        lines.append(f"- {m['modality']} {m['name'].replace('_', ' ')}: {val}; {m['meaning']}; {m['direction']}.")
    return "\n".join(lines)


def add_llm_reading(doc: dict, backend) -> int:
    """Ask ``backend`` about each screened speaker of ``doc``; fills ``doc["screening"]["llm"]``.
    Returns how many speakers got no answer."""
    from affectkit.llm.errors import LLMError

    sc = doc.get("screening")
    if not sc or not sc["speakers"]:
        return 0
    prompts = [textualize(sp) for sp in sc["speakers"]]
    replies = backend.chat_many([[{"role": "system", "content": SYSTEM}, {"role": "user", "content": p}]
                                 for p in prompts], max_tokens=300)
    out, failed = [], 0
    for sp, prompt, rep in zip(sc["speakers"], prompts, replies):
        if isinstance(rep, LLMError):
            failed += 1
            out.append({"speaker": sp["speaker"], "model": backend.name, "prompt": prompt, "reply": None,
                        "error": rep.record()})
        else:
            out.append({"speaker": sp["speaker"], "model": backend.name, "prompt": prompt,
                        "reply": rep.text.strip(), "error": None})
    sc["llm"] = out
    return failed
