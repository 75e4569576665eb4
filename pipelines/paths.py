"""Where the project's bundled files are (rubrics, sample data)."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_RUBRIC = PROJECT_ROOT / "rubrics" / "default.yaml"
SAMPLE_INPUT = PROJECT_ROOT / "data" / "sample"
