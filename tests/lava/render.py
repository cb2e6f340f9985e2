#!/usr/bin/env python3
"""Render a LAVA device dictionary the way lava-server does (jinja2 over the
device-type templates, trim_blocks), with jmpflash's device type first in the
search path and lava-server's own base templates after it.

    render.py DICTIONARY.jinja2 OUT.yaml LAVA_SERVER_DEVICE_TYPES_DIR [VAR=VALUE...]
VAR=VALUE pairs replace the dictionary's `{% set VAR = '...' %}` lines (a
test points the dictionary at its own binary and exporter)."""
import os
import re
import sys

import jinja2
import yaml

src, out, lava_types = sys.argv[1:4]
here = os.path.dirname(os.path.abspath(__file__))
ours = os.path.join(here, "..", "..", "contrib", "lava", "device-types")
text = open(src).read()
for pair in sys.argv[4:]:
    key, value = pair.split("=", 1)
    text, n = re.subn(r"{%% set %s = .*?%%}" % re.escape(key),
                      "{%% set %s = '%s' %%}" % (key, value), text)
    if n != 1:
        sys.exit(f"render.py: {src} has no `set {key}` line")
env = jinja2.Environment(loader=jinja2.FileSystemLoader([ours, lava_types]),
                         trim_blocks=True, autoescape=False)
rendered = env.from_string(text).render()
yaml.safe_load(rendered)  # a device dictionary must be YAML
with open(out, "w") as f:
    f.write(rendered)
