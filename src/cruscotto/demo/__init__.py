"""The demo company: a realistic Italian IT-services SME over the 24 months before today.

`generate(warehouse, scale=…, seed=…, today=…)` replaces the warehouse's data with it;
see docs/demo-company.md for what is in it and the story lines to look for.
"""

from cruscotto.demo.generator import DEFAULT_SEED, DemoSummary, generate
from cruscotto.demo.stories import StoryLine

__all__ = ["DEFAULT_SEED", "DemoSummary", "StoryLine", "generate"]
