"""Run pip-audit and fail on any known vulnerability.

pip-audit prints "No known vulnerabilities found" even when it could not look a single package
up (no route to the vulnerability service): this wrapper says how many packages were really
audited, so a run that audited nothing never reads as a clean bill of health.
"""

import json
import subprocess
import sys


def main() -> int:
    run = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        print(run.stdout, run.stderr, sep="\n")
        return run.returncode or 1
    packages = report.get("dependencies", [])
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    for package in vulnerable:
        for vuln in package["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
            print(f"{package['name']} {package['version']}: {vuln['id']} (fixed in {fixes})")
    audited = len(packages) - len(skipped)
    print(f"pip-audit: {audited} of {len(packages)} packages audited, {len(vulnerable)} vulnerable")
    if skipped and not audited:
        print(
            "pip-audit could not reach its vulnerability service (PyPI JSON API / OSV), so no "
            "package was audited; this machine's network allows only the package index."
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
