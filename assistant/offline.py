"""Process-wide switches that keep every library off the network (model hubs, analytics).

Imported first by the package, so the CLI, the UI, the API, the evals and the benchmarks are
offline however they start. ``setdefault`` leaves a deliberate override from the caller's
environment alone. ``tests/test_offline.py`` runs the CLI under ``strace`` and fails on any
connect() or DNS lookup that leaves the machine.
"""

import os
import sys

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "ANONYMIZED_TELEMETRY": "False",
    "DO_NOT_TRACK": "1",
    "RAY_USAGE_STATS_ENABLED": "0",  # Ray (assistant index --ray) reports usage to anyscale.com otherwise
}.items():
    os.environ.setdefault(_key, _value)

# `import openvino` imports its model-conversion tool (openvino.tools.ovc), whose import starts
# an openvino-telemetry session that looks up www.google-analytics.com unless a consent file in
# the user's home says no. We never convert models with it (the ONNX file is compiled directly),
# and openvino's __init__ treats that tool as optional (ImportError is caught), so it is kept
# from loading: a None entry in sys.modules makes its import raise ImportError.
sys.modules.setdefault("openvino.tools.ovc", None)  # type: ignore[arg-type]
