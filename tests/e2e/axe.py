"""axe-core in a test's browser page: never served by the portal (it lives under tests/, not static/).

tests/e2e/vendor/axe-core/axe.min.js is axe-core 4.14.1 as published on npm (`npm pack axe-core`),
with its licence (MPL-2.0) beside it. It is handed to the page through Playwright, so the portal's
Content-Security-Policy never has to allow it and no worker's phone ever downloads it.
"""

from pathlib import Path

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()

# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, regions): what "accessible"
# means in issue 19.
RUN = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
    resultTypes: ['violations'],
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || '').replace(/\\s+/g, ' ')),
  }));
}"""


def axe_violations(page) -> list[dict]:
    """The violations axe finds in the page as it is now (after its scripts ran)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluate(), not add_script_tag(): a <script> tag would need the CSP's permission.
        page.evaluate(AXE_SOURCE + "\n;void 0")
    return page.evaluate(RUN)


def describe(violations_by_page: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in violations_by_page.items():
        for v in violations:
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']}")
            lines += [f"    {node}" for node in v["nodes"][:6]]
            if len(v["nodes"]) > 6:
                lines.append(f"    … and {len(v['nodes']) - 6} more")
    return "\n".join(lines)
