"""`crm-tui attachments sweep`: stored files no customer refers to go, for supervisors, after a grace period."""

from __future__ import annotations

import os
import time


def test_sweep_removes_an_old_orphan_for_a_supervisor_only(cli, csr, supervisor):
    orphan = cli.data_dir / "attachments" / "ab" / ("ab" + "0" * 62)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"%PDF-1.7 left by a killed registration")
    then = time.time() - 7200
    os.utime(orphan, (then, then))
    refused = cli.json("attachments", "sweep", expect=6)
    assert refused["error"]["code"] == "not_allowed" and orphan.exists()
    dry = cli.json("attachments", "sweep", "--dry-run", operator="sam")
    assert (dry["files_checked"], dry["orphans"], dry["removed"]) == (1, 1, 1) and orphan.exists()
    kept = cli.json("attachments", "sweep", "--grace-minutes", "180", operator="sam")
    assert kept["removed"] == 0 and kept["kept_too_young"] == 1 and orphan.exists()
    done = cli.json("attachments", "sweep", operator="sam")
    assert done["removed"] == 1 and not orphan.exists()
    human = cli("attachments", "sweep", operator="sam")
    assert human.exit_code == 0 and "Files checked" in human.stdout
