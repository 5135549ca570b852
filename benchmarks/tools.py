"""Measures the read tools: prints a markdown table, asserts nothing.

    python3 benchmarks/tools.py --conf ~/.cache/ai_stream_chat/<build>/odoo.conf --db DB

On a database with the addon installed (the one `make test` leaves will do): 10,000 contacts
are created and committed (the tools read on a connection of their own), each tool is timed
from the call's arrival to its result (the JSON the model reads) as the chat runs it, as an
internal user, then the contacts are deleted. Also the size of the tool schemas sent with
every request.
"""

import argparse
import json
import statistics
import time

RECORDS = 10_000
RUNS = 50
MARKER = "Tool bench"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry
    from odoo.tools import config

    config.parse_config(["-c", args.conf, "--log-level=warn"])
    odoo.service.server.load_server_wide_modules()
    registry = Registry(args.db)
    from odoo.addons.ai_stream_chat.lib.tool_schemas import TOOLS

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        user = env.ref("base.user_admin")
        cities = [f"City {i % 40}" for i in range(RECORDS)]
        countries = env["res.country"].search([], limit=20).ids
        env["res.partner"].create(
            [
                {
                    "name": f"{MARKER} {i}",
                    "city": cities[i],
                    "color": i % 12,
                    "country_id": countries[i % len(countries)],
                }
                for i in range(RECORDS)
            ]
        )
        cr.commit()
        try:
            run = env["ai.chat.tools"].with_user(user)._tool_runner(message_id=0)  # reads only
            rows = [measure(run, name, arguments) for name, arguments in cases()]
        finally:
            env["res.partner"].search([("name", "=like", f"{MARKER} %")]).unlink()
            cr.commit()
    print(
        f"\n{RECORDS:,} contacts; {RUNS} calls each, as the administrator (record rules "
        "apply); from the call to the JSON the model reads.\n"
    )
    print("| tool | median (ms) | p99 (ms) | result (chars) |")
    print("|---|---:|---:|---:|")
    for row in rows:
        print("| {} | {:.1f} | {:.1f} | {:,} |".format(*row))
    schemas = json.dumps(TOOLS)
    print(
        f"\nTool schemas sent with every request: {len(schemas):,} characters of JSON "
        f"(about {len(schemas) // 4:,} tokens at 4 characters a token)."
    )


def cases():
    domain = [["name", "=like", f"{MARKER} %"], ["city", "=", "City 7"]]
    return [
        (
            "search_records",
            {
                "model": "res.partner",
                "domain": domain,
                "fields": ["name", "city", "country_id"],
                "limit": 20,
            },
        ),
        (
            "search_records (order)",
            {"model": "res.partner", "domain": domain[:1], "order": "name desc", "limit": 50},
        ),
        (
            "aggregate_records",
            {
                "model": "res.partner",
                "domain": domain[:1],
                "groupby": ["country_id"],
                "aggregates": ["color:sum"],
            },
        ),
        (
            "aggregate_records (2 keys)",
            {
                "model": "res.partner",
                "domain": domain[:1],
                "groupby": ["country_id", "city"],
                "limit": 50,
            },
        ),
        ("count_records", {"model": "res.partner", "domain": domain[:1]}),
    ]


def measure(run, label, arguments):
    name = label.split(" ")[0]
    times, size = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        result = run(name, arguments)
        times.append((time.perf_counter() - start) * 1000)
        assert result.state == "done", result.content
        size = len(result.content)
    return label, statistics.median(times), percentile(times, 0.99), size


if __name__ == "__main__":
    main()
