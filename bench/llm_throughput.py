#!/usr/bin/env python
"""Throughput of the local GGUF backend (extra ``llm-local``): prompt tokens/s (prefill) and
generated tokens/s (decode) per CPU thread count, and the end-to-end time of one k-shot
classification request as ``bench/llm_eval.py`` sends it.

    python bench/llm_throughput.py                       # the bundled Gemma 3 270M, 1 and 2 threads
    python bench/llm_throughput.py --model PATH.gguf --threads 1 2 4
    # -> bench/results/llm_throughput_<model>.json

Each figure is the median of ``--repeats`` runs; the llama.cpp context is reset before each run
so no prompt prefix is reused (llm_eval's k-shot runs do reuse the shared prefix, which is why
they are faster per text than prefill here suggests).
"""
from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit.llm.local import bundled_gguf, check_installed  # noqa: E402

# a fixed English text of ~500 tokens: the k-shot prompt shape, repeated
_PROMPT = ("Classify the emotion of each utterance as one of: anger, disgust, fear, joy, neutral, sadness, "
           "surprise.\n\n" + "".join(f'User: Utterance: "{u}"\nAssistant: {{"emotion": "{l}"}}\n\n' for u, l in [
               ("I can't believe you did that to me!", "anger"), ("That smell is revolting.", "disgust"),
               ("Something is moving in the dark.", "fear"), ("We won the finals!", "joy"),
               ("The meeting is at three.", "neutral"), ("I miss him every day.", "sadness"),
               ("Wait, you're getting married?", "surprise")]) * 4)


def _median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def measure(path: Path, threads: int, n_gen: int, repeats: int) -> dict:
    from llama_cpp import Llama

    llm = Llama(model_path=str(path), n_ctx=2048, n_threads=threads, seed=0, verbose=False)
    tokens = llm.tokenize(_PROMPT.encode("utf-8"))

    def prefill():
        llm.reset()
        llm.eval(tokens)

    def prefill_and_generate():
        llm.reset()
        for i, _ in enumerate(llm.generate(tokens, temp=0.0, reset=False)):
            if i + 1 >= n_gen:
                break

    t_prompt = _median_seconds(prefill, repeats)
    t_both = _median_seconds(prefill_and_generate, repeats)
    t_gen = max(t_both - t_prompt, 1e-9)
    # one request as llm_eval sends it (chat turns as a plain transcript; a 7-token JSON answer)
    msgs = _PROMPT + 'User: Utterance: "Oh no, not again."\nAssistant:'

    def request():
        llm.reset()
        llm.create_completion(msgs, temperature=0.0, max_tokens=12, seed=0, stop=["\nUser:"])

    t_req = _median_seconds(request, repeats)
    return {"threads": threads, "prompt_tokens": len(tokens), "prefill_tokens_per_s": round(len(tokens) / t_prompt, 1),
            "generated_tokens": n_gen, "decode_tokens_per_s": round(n_gen / t_gen, 1),
            "k_shot_request_seconds": round(t_req, 3)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", type=Path, default=None, help="a .gguf file (default: the bundled Gemma 3 270M)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--generate", type=int, default=64, help="tokens to generate per run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    started = run_started()
    check_installed()
    path = args.model or bundled_gguf()
    rows = [measure(path, t, args.generate, args.repeats) for t in args.threads]
    for r in rows:
        print(f"{path.name}, {r['threads']} thread(s): prefill {r['prefill_tokens_per_s']} tok/s, "
              f"decode {r['decode_tokens_per_s']} tok/s, one k-shot request {r['k_shot_request_seconds']} s")
    out = {"model": path.name, "model_bytes": path.stat().st_size, "results": rows, "repeats": args.repeats,
           "cpu_count": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version(),
           "command": "python bench/llm_throughput.py " + " ".join(argv if argv is not None else sys.argv[1:])}
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "local-gemma3-270m" if args.model is None else path.stem.lower()
    dest = args.out / f"llm_throughput_{stem}.json"
    write_results(dest, out, argv=argv, script=__file__, started=started, indent=2)
    print(f"-> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
