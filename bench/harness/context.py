"""What every row gets: the binaries, the temp folder, the scale (full or --quick), shared file trees."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .processes import log

FILES_PER_FOLDER = 100


@dataclass
class Context:
    repo: Path
    tmp: Path  # deleted at the end of the run
    binary: Path
    fakes_binary: Path
    bench_python: Path  # the venv with l402kit (tools/bench-venv.sh)
    quick: bool
    staged: Path  # raw files (hyperfine exports) copied into bench/results/ with the report
    _trees: dict[int, tuple[Path, float]] = field(default_factory=dict)

    def scale(self, full, quick):
        return quick if self.quick else full

    def tree(self, total: int) -> Path:
        """A folder of `total` files, 100 per subfolder (`d0000/img<N>.jpg`, 16 distinct bytes each), built once
        per run and shared by the rows that only read it. Returns it at least 1 s after its last file was
        written, so a rule file written now is newer than every file in it (they predate the rule: recorded,
        never queued)."""
        if total not in self._trees:
            root = self.tmp / "trees" / f"files-{total}"
            log(f"creating a tree of {total:,} files")
            started = time.monotonic()
            count = 0
            for d in range((total + FILES_PER_FOLDER - 1) // FILES_PER_FOLDER):
                folder = root / f"d{d:04d}"
                folder.mkdir(parents=True)
                for _ in range(min(FILES_PER_FOLDER, total - count)):
                    (folder / f"img{count}.jpg").write_bytes(b"%015d\n" % count)
                    count += 1
            self._trees[total] = (root, time.monotonic())
            log(f"tree of {total:,} files created in {time.monotonic() - started:.1f} s")
        root, finished = self._trees[total]
        time.sleep(max(0.0, 1.0 - (time.monotonic() - finished)))  # step past the timestamp granularity
        return root
