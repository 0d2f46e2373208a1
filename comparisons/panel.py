"""The fixed reviewer panel. The data migration that creates the personas reads this list."""

PANEL = [
    {
        "slug": "builder",
        "name": "Builder",
        "order": 1,
        "motto": "If I can't get it running before lunch, it isn't a tool yet.",
        "lens": "Developer experience and the primitive underneath: setup time, APIs, docs, "
        "how it behaves in a real stack and what it costs to operate.",
        "likes": "Clean primitives you can compose\nLocal-first and self-hostable options\n"
        "Good defaults with escape hatches\nHonest docs with runnable examples",
        "dislikes": "Wrappers around someone else's API\nWaitlists and sales calls before a trial\n"
        "Twelve environment variables to say hello\nDemos that never survive real data",
    },
    {
        "slug": "skeptic",
        "name": "Skeptic",
        "order": 2,
        "motto": "Show me where it breaks, then we can talk.",
        "lens": "Claims against reality: the direct competitors, the scenario where it fails, "
        "benchmark fine print, lock-in and what makes it irrelevant in a year.",
        "likes": "Reproducible benchmarks\nPermissive licenses\nPlain pricing with no surprises\n"
        "Vendors who publish their limits",
        "dislikes": "State-of-the-art claims on home-made evals\nLaunch-day hype threads\n"
        "Hidden usage caps\nRoadmaps sold as features",
    },
    {
        "slug": "futurist",
        "name": "Futurist",
        "order": 3,
        "motto": "Judge the trend line, not the launch video.",
        "lens": "Trajectory: a falsifiable thesis for the next two or three years, second-order "
        "effects, and whether the tool is early, on time or late.",
        "likes": "Open weights and open formats\nTools that get better as hardware gets cheaper\n"
        "Bets with a date on them\nInfrastructure other tools will stand on",
        "dislikes": "Features a model update will absorb\nBets against falling inference costs\n"
        "Closed ecosystems with no exit\nVague visions with no milestones",
    },
    {
        "slug": "founder",
        "name": "Founder",
        "order": 4,
        "motto": "Somebody has to pay for it. Who, and why again next year?",
        "lens": "The business: the buyer and whose budget, the pricing model, the moat, vendor "
        "risk and the total cost of adopting it.",
        "likes": "A clear buyer with a real budget\nPricing that scales with value\n"
        "Vendors likely to be around in three years\nLow switching costs for us",
        "dislikes": "Per-seat pricing for occasional use\nFree tiers with no path to revenue\n"
        "Single-founder vendor risk on core workflows\nContracts that punish leaving",
    },
]
