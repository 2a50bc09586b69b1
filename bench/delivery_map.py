"""The delivery map's search and near-me at district and city scale (issue 20).

Two databases, each a copy of the migrated one, seeded in SQL: SMALL sites (default 5,000) and
LARGE sites (default 50,000), ten buildings each (50,000 and 500,000). The city is the district
grown at the same density (the larger set covers √10 × the span), so "near me" finds the same
number of candidates around a rider at either size; what must not grow is the cost of finding
them among all the others. Each query is timed on both databases in turns, and the bench prints
T(large) / T(small) (target ≤ 1.5) and the EXPLAIN at the large size (the trigram index for
search, the (latitude, longitude) index for near me).

    BENCH_DELIVERY_SITES=5000,50000 python -m config.launcher exec -- python -m bench delivery_map
"""

from __future__ import annotations

import math
import os

from django.db import connection, connections

from bench import harness
from delivery import selectors
from delivery.refs import BuildingRef

CENTRE = (30.2741, 120.1202)
SMALL_SPAN_DEGREES = 0.3  # about 30 km across: the district's 5,000 sites

SEED_SITES = r"""
SELECT setseed(0.2026);
INSERT INTO delivery_site (uuid, name, kind, aliases, address, street, latitude, longitude, outline,
                           is_active, search_text, search_bigrams, created_at, updated_at)
SELECT gen_random_uuid(), s.name, 'compound', '', s.address, '', %(lat)s + (random() - 0.5) * %(span)s,
       %(lng)s + (random() - 0.5) * %(span)s, NULL, true, lower(s.name || ' ' || s.address),
       ARRAY(SELECT DISTINCT substr(w, i, 2) FROM string_to_table(lower(s.name || ' ' || s.address), ' ') AS w,
             generate_series(1, length(w) - 1) AS i), now(), now()
FROM (
    SELECT n,
           chr(19968 + ((n * 7919) %% 20902)::int) || chr(19968 + ((n * 104729) %% 20902)::int)
               || chr(19968 + ((n * 1299709) %% 20902)::int) || '花园' AS name,
           '西湖区' || chr(19968 + ((n * 15485863) %% 20902)::int) || '路' || n || '号' AS address
    FROM generate_series(1::bigint, %(count)s) AS n
) AS s;
INSERT INTO delivery_site (uuid, name, kind, aliases, address, street, latitude, longitude, outline,
                           is_active, search_text, search_bigrams, created_at, updated_at)
VALUES (gen_random_uuid(), '紫金港花园', 'compound', '紫金港小区', '西湖区三墩镇紫金港路88号', '',
        %(lat)s, %(lng)s, NULL, true, '紫金港花园 紫金港小区 西湖区三墩镇紫金港路88号',
        ARRAY['紫金', '金港', '港花', '花园', '港小', '小区', '西湖', '湖区', '区三', '三墩', '墩镇', '镇紫', '港路', '路8', '88',
              '8号'], now(), now());
INSERT INTO delivery_building (uuid, name, latitude, longitude, notes, is_active, created_at, updated_at,
                               site_id, number, floors, best_gate_id)
SELECT gen_random_uuid(), b || '幢', s.latitude, s.longitude, '', true, now(), now(), s.id, b::text, 6, NULL
FROM delivery_site AS s CROSS JOIN generate_series(1, 10) AS b;
ANALYZE delivery_site;
ANALYZE delivery_building;
"""


def sizes() -> tuple[int, int]:
    small, large = (int(part) for part in os.environ.get("BENCH_DELIVERY_SITES", "5000,50000").split(","))
    return small, large


def _seed(alias: str, count: int, span: float) -> None:
    with connections[alias].cursor() as cursor:
        cursor.execute(SEED_SITES, {"lat": CENTRE[0], "lng": CENTRE[1], "span": span, "count": count - 1})


def _plan_indexes(plan: str) -> str:
    used = sorted(
        {
            word
            for word in plan.replace("(", " ").split()
            if word.endswith(("_idx", "_trgm", "_bigrams", "_pkey"))
        }
    )
    scans = "seq scan" if "Seq Scan" in plan else "no seq scan"
    return f"{', '.join(used) or 'no index'}; {scans}"


def run(*, best_of):
    small, large = sizes()
    current = connection.settings_dict["NAME"]
    large_name = f"{current}_large"[:63]
    # A second copy of the migrated database, made before anything is seeded in the first.
    harness._admin_execute(current, f'DROP DATABASE IF EXISTS "{large_name}" WITH (FORCE)')
    harness._admin_execute(current, f'CREATE DATABASE "{large_name}" TEMPLATE "{current}"')
    connections.settings["large"] = {**connections.settings["default"], "NAME": large_name}
    try:
        _seed("default", small, SMALL_SPAN_DEGREES)
        _seed("large", large, SMALL_SPAN_DEGREES * math.sqrt(large / small))
        cases = {
            "search 紫金港花园 3幢": lambda db: list(
                selectors.sites_matching(text="紫金港花园", ref=BuildingRef("3")).using(db)
            ),
            "search with a wrong character 紫金港某花园": lambda db: list(
                selectors.sites_matching(text="紫金港某花园").using(db)
            ),
            "search by address 紫金港路88号": lambda db: list(
                selectors.sites_matching(text="紫金港路88号").using(db)
            ),
            # Two characters hold no trigram: the bigram array's index narrows them.
            "search with two characters 紫金": lambda db: list(
                selectors.sites_matching(text="紫金").using(db)
            ),
            "near me, 3 km": lambda db: list(
                selectors.sites_near(lat=CENTRE[0], lng=CENTRE[1], radius_km=3).using(db)
            ),
        }
        results = []
        plans = []
        for name, query in cases.items():
            timings = harness.interleave(
                {"small": lambda q=query: q("default"), "large": lambda q=query: q("large")}
            )
            found = (len(query("default")), len(query("large")))
            detail = (
                f"{harness.label(large)} / {harness.label(small)} sites: "
                f"{harness.ms(timings['large'])} vs {harness.ms(timings['small'])}, found {found[1]} vs {found[0]}"
            )
            results.append((name, harness.ratios(timings["large"], timings["small"]), detail))
        plans.append(("search", selectors.sites_matching(text="紫金港某花园").using("large").explain()))
        plans.append(("two characters", selectors.sites_matching(text="紫金").using("large").explain()))
        plans.append(
            (
                "near me",
                selectors.sites_near(lat=CENTRE[0], lng=CENTRE[1], radius_km=3).using("large").explain(),
            )
        )
        return results + [
            (f"EXPLAIN {name} at {harness.label(large)}", None, _plan_indexes(plan)) for name, plan in plans
        ]
    finally:
        connections["large"].close()
        del connections.settings["large"]
        harness._admin_execute(current, f'DROP DATABASE IF EXISTS "{large_name}" WITH (FORCE)')
        harness.use_database(current)
