#!/usr/bin/env python3
"""Read a lava-run log (one JSON object per line on its stdout) and check
its results.

    results.py LOG [DEFINITION:CASE=RESULT ...] [--log-has TEXT ...]
Prints every result line, then fails (exit 1) for each expectation that is
not met: a result that differs or is missing, or TEXT not in any log line."""
import json
import sys

log, args = sys.argv[1], sys.argv[2:]
results, lines = {}, []
with open(log, errors="replace") as f:
    for raw in f:
        try:
            entry = json.loads(raw)
        except ValueError:
            lines.append(raw)
            continue
        msg = entry.get("msg")
        lines.append(msg if isinstance(msg, str) else json.dumps(msg))
        if entry.get("lvl") == "results" and isinstance(msg, dict):
            key = "%s:%s" % (msg.get("definition"), msg.get("case"))
            results[key] = msg.get("result")
for key, value in results.items():
    print(f"result {key} = {value}")
failed = 0
i = 0
while i < len(args):
    if args[i] == "--log-has":
        text = args[i + 1]
        if not any(text in line for line in lines):
            print(f"FAIL: the LAVA log never says {text!r}")
            failed += 1
        i += 2
        continue
    key, want = args[i].rsplit("=", 1)
    if results.get(key) != want:
        print(f"FAIL: {key} is {results.get(key)!r}, wanted {want!r}")
        failed += 1
    i += 1
sys.exit(1 if failed else 0)
