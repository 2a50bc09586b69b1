"""The tests allowed to take over 5 s, each with the reason it stays slow.

`make test` names any other test over 5 s at the end of its report (tests/conftest.py),
so a test that slows down by accident is seen, while none of these is cut to fit.
A test can also say it in place with @pytest.mark.slow(reason=...).
"""

JOURNEY = "a person's whole journey in a real Chromium against a live server, page by page"

SLOW_FOR_A_REASON: dict[str, str] = {
    # Browser journeys: each is several people, tens of page loads and a real Celery worker.
    "tests/e2e/test_academy_apply.py::test_worker_applies_resumes_and_is_admitted": JOURNEY,
    "tests/e2e/test_governance_report.py::test_report_survives_a_network_cut_and_earns_points": JOURNEY
    + ", offline and back online",
    "tests/e2e/test_governance_report.py::test_a_queued_report_is_sent_from_any_page": JOURNEY,
    "tests/e2e/test_rewards_handover.py::test_worker_redeems_a_coffee_and_staff_hand_it_over": JOURNEY,
    "tests/e2e/test_services_near_me.py::test_nearest_open_rest_station_with_charging_then_legal_aid": JOURNEY,
    "tests/e2e/test_services_near_me.py::test_when_location_is_refused_the_street_choice_takes_over": JOURNEY,
    "tests/e2e/test_station_journey.py::test_topic_session_checkin_points_and_a_coffee": JOURNEY
    + " (topic, session, check-in, points, a reward: four people)",
    "tests/e2e/test_subsidies_apply.py::test_worker_applies_checker_checks_approver_approves": JOURNEY
    + " (a worker and two staff members in admin)",
    "tests/e2e/test_worker_signup.py::test_new_worker_signs_up_and_completes_profile": JOURNEY,
    "tests/e2e/test_dashboard.py::test_district_staff_read_the_panels_and_print_the_monthly_report": JOURNEY
    + " (every panel's screenshot at 1280 px, then the report in print media)",
    "tests/dashboard/test_demo.py::test_the_demo_fills_every_panel_and_the_demo_checker_opens_the_dashboard": (
        "loads the whole demo data set, then the rollups over it"
    ),
    "tests/e2e/test_csp.py::test_the_api_docs_render_under_the_policy": "Swagger UI (vendored, about 1 MB "
    "of script) draws every operation of the generated OpenAPI schema in Chromium",
    "tests/e2e/test_csp.py::test_admin_pages_with_scripts_and_maps_run_under_the_policy": "opens every "
    "admin page that loads a script or a map in Chromium and waits for any Content-Security-Policy violation",
    # Size is the point of these.
    **{
        f"tests/partner_api/test_export.py::test_a_client_leaving_mid_stream_cancels_and_the_connection_"
        f"stays_usable[{scope}]": "seeds 20,000 enrolments so the COPY is still running when the client "
        "leaves (about 16 s on the embedded PostgreSQL of a bare `make test`, 2 s on a tuned server)"
        for scope in ("roster:read", "roster:read roster:sensitive")
    },
    "tests/partner_api/test_export.py::test_50000_rows_stream_and_round_trip": "streams and parses a "
    "50,000-row roster to prove it is sent in small blocks with bounded memory",
    "tests/academy/test_admin.py::test_changelist_query_count_is_the_same_at_100_and_10000[10000]": "10,000 "
    "enrolments, to show the changelist's query count does not grow with the table",
    "tests/subsidies/test_admin.py::test_changelist_query_count_is_the_same_at_100_and_10000[10000]": "10,000 "
    "applications, to show the changelist's query count does not grow with the table",
    "tests/core/test_seed_demo.py::test_seed_demo_is_idempotent": "loads the whole demo data set twice, "
    "the second time to prove nothing is duplicated",
    # Generated inputs: many examples by design.
    **{
        f"tests/core/test_bad_input_matrix.py::test_no_input_answers_a_server_error[{shard}]": "a quarter of "
        "the URLconf (about 120 URLs) with every parameter each reads and nine bad values: about 2,000 "
        "requests, 15–30 s"
        for shard in range(4)
    },
    "tests/partner_api/test_schema.py::test_generated_requests_never_fail_and_responses_conform": "schemathesis: "
    "hundreds of generated requests over every partner operation, each response checked against the schema",
    "tests/partner_api/test_isolation.py::test_fuzzed_ids_filters_and_cursors_never_show_another_universitys_rows": (
        "hypothesis: a property over generated ids, filters and cursors"
    ),
    "tests/partner_api/test_isolation.py::test_fuzzed_oneroster_ids_and_filters_never_show_another_universitys_rows": (
        "hypothesis: a property over generated OneRoster ids and filters"
    ),
    # Waiting is the point.
    "tests/notifications/test_outbox.py::test_broker_outage_loses_nothing_and_the_sweep_delivers_exactly_once": (
        "stops a real Redis broker, waits out the enqueue retries, restarts it and lets the sweep run"
    ),
}
