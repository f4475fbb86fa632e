import sys
from pathlib import Path

_RUNNER = Path(__file__).resolve().parents[2] / "runner"
if str(_RUNNER) not in sys.path:
    sys.path.insert(0, str(_RUNNER))
