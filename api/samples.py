"""Trimmed sample answers for the documentation page, from the demo catalog.

Kept as data so a test can hold them to the live answers' shape: the docs cannot drift.
"""

from __future__ import annotations

import json
from typing import Any

HOST = "{base}"  # replaced with the address the docs page is served from


def _tool(slug: str, **overrides: Any) -> dict[str, Any]:
    tool = {
        "slug": slug,
        "name": "Code Llama 4 (70B & 400B)",
        "maker": "Meta",
        "category": {"slug": "developer-tools", "name": "Developer Tools"},
        "tagline": "Self-hosted code generation for teams that want model weights, "
        "not a metered API",
        "pricing": {
            "text": "Free open weights under Meta's license; self-hosted on your own GPUs or "
            "through a hosting provider, so inference cost depends on where you run it",
            "entry_price": "Free",
            "model": "open_weights",
            "source_url": "https://www.llama.com/llama4/license/",
            "verified_on": "2026-10-06",
        },
        "panel": {
            "verdict": "ship",
            "label": "Ship",
            "ships": 4,
            "skips": 0,
            "ship_percent": 100,
            "average_score": 80,
        },
        "community": {
            "ships": 3,
            "skips": 1,
            "votes": 4,
            "ship_percent": None,
            "label": "4 votes so far",
        },
        "stale": False,
        "url": f"{HOST}/tools/{slug}/",
        "api_url": f"{HOST}/api/tools/{slug}/",
        "published_at": "2026-10-08T12:00:00+00:00",
    }
    tool.update(overrides)
    return tool


def _review(slug: str, name: str, score: int, body: str) -> dict[str, Any]:
    return {
        "persona": {"slug": slug, "name": name},
        "score": score,
        "verdict": "ship",
        "body": body,
        "reviewed_on": "2026-10-06",
    }


SAMPLES: dict[str, Any] = {
    "index": {
        "name": "Ship or Skip open data API",
        "docs": f"{HOST}/api/docs/",
        "rate_limit": "120 requests a minute per client address",
        "endpoints": {
            "tools": f"{HOST}/api/tools/",
            "tool": f"{HOST}/api/tools/{{slug}}/",
            "categories": f"{HOST}/api/categories/",
            "personas": f"{HOST}/api/personas/",
            "comparisons": f"{HOST}/api/comparisons/",
            "badge": f"{HOST}/badge/{{slug}}.svg",
        },
    },
    "tools": {
        "count": 7,
        "next": f"{HOST}/api/tools/?category=developer-tools&page_size=1&page=3",
        "previous": f"{HOST}/api/tools/?category=developer-tools&page_size=1&page=1",
        "results": [_tool("code-llama-4")],
    },
    "tool": {
        **_tool("code-llama-4"),
        "description": "Meta's code-specialised open-weight model family comes in two sizes: "
        "a 70B checkpoint that fits a single well-equipped GPU server and a 400B checkpoint "
        "meant for clusters. …",
        "website": "https://www.llama.com/",
        "reviews": [
            _review(
                "builder",
                "Builder",
                85,
                "We had the 70B checkpoint answering requests behind vLLM on a two-GPU box in "
                "an afternoon. …",
            ),
            _review(
                "skeptic",
                "Skeptic",
                78,
                "Line it up against Qwen-Coder, DeepSeek-Coder and the hosted frontier "
                "models, and the honest read is that the 70B trails the best closed models "
                "on messy, cross-repo tasks. …",
            ),
        ],
    },
    "categories": {
        "count": 6,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "developer-tools",
                "name": "Developer Tools",
                "description": "Models, editors, agents and runtimes that engineers use to "
                "write, run and ship code.",
                "tools": 7,
                "url": f"{HOST}/categories/developer-tools/",
            }
        ],
    },
    "personas": {
        "count": 4,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "skeptic",
                "name": "Skeptic",
                "motto": "Show me where it breaks, then we can talk.",
                "lens": "Claims against reality: the direct competitors, the scenario where it "
                "fails, benchmark fine print, lock-in and what makes it irrelevant in a year.",
                "likes": ["Reproducible benchmarks", "Permissive licenses"],
                "dislikes": ["Launch-day hype threads", "Hidden usage caps"],
                "url": f"{HOST}/panel/skeptic/",
            }
        ],
    },
    "comparisons": {
        "count": 9,
        "next": f"{HOST}/api/comparisons/?page_size=1&page=2",
        "previous": None,
        "results": [
            {
                "title": "Cursor vs GitHub Copilot vs Claude Code",
                "url": f"{HOST}/compare/cursor-vs-github-copilot-vs-claude-code/",
                "tools": ["cursor", "github-copilot", "claude-code"],
                "editor_note": "All three will make a competent team faster; the real "
                "differences are where the work happens and how the bill behaves. …",
                "picks": {
                    "cursor": "Pick Cursor if your developers want the fastest AI-native "
                    "editing experience and you can live with usage-based costs for power "
                    "users.",
                    "github-copilot": "Pick GitHub Copilot if you want one contract, admin "
                    "controls and IP indemnity that slot into the GitHub and Microsoft setup "
                    "you already have.",
                    "claude-code": "Pick Claude Code if your bottleneck is multi-step work "
                    "such as migrations, test backfills and CI fixes that you would rather "
                    "delegate than type.",
                },
                "published_at": "2026-10-24T12:00:00+00:00",
            }
        ],
    },
    "not_found": {
        "error": {"status": 404, "message": "No published tool has the slug 'no-such-tool'."}
    },
    "bad_request": {
        "error": {"status": 400, "message": "page_size must be from 1 to 100, not 500."}
    },
}


def rendered(base: str) -> dict[str, str]:
    """Each sample as indented JSON, with its addresses on ``base`` (no trailing slash)."""
    return {
        name: json.dumps(sample, indent=2, ensure_ascii=False).replace(HOST, base)
        for name, sample in SAMPLES.items()
    }
