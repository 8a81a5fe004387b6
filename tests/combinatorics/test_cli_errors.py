"""Issue 18 item 12 (and items 3, 4 end to end): ``python -m combinatorics`` on malformed files prints
one ``error: ...`` line naming the file on stderr and exits with status 2 (never a traceback, never
a wrong answer with status 0).  Each case runs the real command in a subprocess from the repository
root, so that it imports this checkout's code."""
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PISINGER = "knapPI_1_3_1\nn {n}\nc 10\nz 9\ntime 0.00\n"

CASES = {
    "null": ("knapsack", "k.json", "null",
             "read_knapsack: {path}: expected a JSON object with values, weights and capacity, found null"),
    "nested": ("knapsack", "k.json", '{"values": [[1, 2]], "weights": [1], "capacity": 3}',
               "read_knapsack: {path}: values[0] = [1, 2] is not a number"),
    "missing_capacity": ("knapsack", "k.json", '{"values": [1], "weights": [1]}',
                         "read_knapsack: {path}: missing key 'capacity'"),
    "capacity_1e400": ("knapsack", "k.json", '{"values": [1], "weights": [1], "capacity": 1e400}',
                       "read_knapsack: {path}: capacity = inf is not a finite number (JSON numbers beyond float64, "
                       "such as 1e400, read as inf)"),
    "bad_header": ("knapsack", "p.csv", "knapPI_1\nx 5\nc 10\nz 3\ntime 0\n1,2,3,0\n",
                   "read_pisinger_csv: {path}: line 2: instance knapPI_1: expected 'n <number>', found 'x 5'"),
    "no_items_csv": ("knapsack", "p.csv", PISINGER.format(n=0) + "-----\n",
                     "read_pisinger_csv: {path}: line 2: instance knapPI_1_3_1: n '0' is not an integer >= 1"),
    "header_n_5_over_3_items": ("knapsack", "p.csv", PISINGER.format(n=5) + "1,2,3,0\n2,3,4,0\n3,1,1,0\n-----\n",
                                "read_pisinger_csv: {path}: line 9: instance knapPI_1_3_1 lists 3 items, but its "
                                "header says n 5 (line 2)"),
    "row_with_no_column": ("setcover", "scp.txt", "3 4\n1 2 3 4\n2 1 2\n0\n3 2 3 4\n",
                           "read_orlib_setcover: {path}: line 4: row 2 of 3 lists no column, so no cover exists"),
    "missing_file": ("knapsack", "absent.json", None, None),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_file_gives_error_and_status_2(tmp_path, case):
    cmd, name, text, msg = CASES[case]
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    run = subprocess.run([sys.executable, "-m", "combinatorics", cmd, str(path)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stdout == "" and "Traceback" not in run.stderr
    if msg is None:
        assert run.stderr.startswith("error: [Errno 2] No such file or directory") and str(path) in run.stderr
    else:
        assert run.stderr == f"error: {msg.format(path=path)}\n"
