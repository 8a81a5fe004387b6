"""Issue 18 items 3 and 4: hostile instance files.  Every count, integer and number is checked, and
every problem is a ValueError naming the reader, the file and the line (JSON: the key and index)."""
import re

import numpy as np
import pytest

from combinatorics import read_knapsack, read_orlib_setcover, read_pisinger_csv, set_cover

PISINGER_HEAD = "knapPI_1_3_1\nn {n}\nc 10\nz 9\ntime 0.00\n"


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return p


def _raises(fn, path, msg):
    with pytest.raises(ValueError) as e:
        fn(path)
    assert str(e.value) == msg.format(path=path)


def test_orlib_row_with_no_column_is_an_error_naming_it(tmp_path):
    p = _write(tmp_path, "scp.txt", "3 4\n1 2 3 4\n2 1 2\n0\n3 2 3 4\n")
    _raises(read_orlib_setcover, p, "read_orlib_setcover: {path}: line 4: row 2 of 3 lists no column, so no "
                                    "cover exists")


def test_orlib_universe_is_every_row(tmp_path):
    p = _write(tmp_path, "scp.txt", "4 3\n1 1 5\n1 1\n1 2\n2 2 3\n1 3\n")
    inst = read_orlib_setcover(p)
    assert inst.universe.tolist() == [0, 1, 2, 3]
    res = set_cover(inst.subsets, inst.costs, universe=inst.universe)
    assert (res.cost, res.chosen) == (7, [0, 1, 2])
    # the root of item 3: without the universe a row nobody lists would silently drop out
    with pytest.raises(ValueError, match=r"^set_cover: element 3 of the universe is in no subset$"):
        set_cover([s[s != 3] for s in inst.subsets], inst.costs, universe=inst.universe)
    with pytest.raises(ValueError, match=r"^set_cover: subsets\[2\] contains 7, which is not in the universe$"):
        set_cover(inst.subsets[:2] + [np.array([7])], inst.costs, universe=inst.universe)


@pytest.mark.parametrize("text,msg", [
    ("3 4\n1 2 3 4\n2 1 2\n1 3\n3 2 3 9\n", "line 5: row 3: column index 9 is outside 1..4"),
    ("3 4\n1 2 3 4\n2 1 2\n1 3.5\n3 2 3 4\n", "line 4: a column index of row 2 '3.5' is not an integer"),
    ("3 4\n1 2 nan 4\n2 1 2\n1 3\n3 2 3 4\n", "line 2: cost 'nan' is not a finite number"),
    ("3 4\n1 2 3 4\n2 1 2\n1 3\n3 2 3 4\n7\n", "line 6: unexpected '7' after the last of the 3 rows (1 tokens left over)"),
    ("3 4\n1 2 3 4\n2 1 2\n1 3\n", "line 4: the file ends before row 3 of 3"),
    ("3.5 4\n1 2 3 4\n", "line 1: the row count m '3.5' is not an integer >= 1"),
    ("2 4\n1 2 3\n", "line 2: expected 4 costs, found 3"),
    ("2 2\n1 2\n1 1\n2 2 99999999999999999999\n", "line 4: a column index of row 2 99999999999999999999 does not fit "
                                                  "in int64"),
    ("2 2\n1 2\n1 1\n3 1 2\n", "line 4: row 2 of 2 lists 2 of its 3 columns before the file ends"),
])
def test_orlib_errors(tmp_path, text, msg):
    p = _write(tmp_path, "scp.txt", text)
    _raises(read_orlib_setcover, p, "read_orlib_setcover: {path}: " + msg)


def test_pisinger_header_count_must_match_the_items(tmp_path):
    """Item 4: 'n 5' over 3 items was solved as 3 items, optimal, exit 0."""
    p = _write(tmp_path, "p.csv", PISINGER_HEAD.format(n=5) + "1,2,3,0\n2,3,4,0\n3,1,1,0\n-----\n")
    _raises(read_pisinger_csv, p, "read_pisinger_csv: {path}: line 9: instance knapPI_1_3_1 lists 3 items, but "
                                  "its header says n 5 (line 2)")
    _raises(read_knapsack, p, "read_pisinger_csv: {path}: line 9: instance knapPI_1_3_1 lists 3 items, but its "
                              "header says n 5 (line 2)")
    p = _write(tmp_path, "q.csv", PISINGER_HEAD.format(n=2) + "1,2,3,0\n2,3,4,0\n3,1,1,0\n-----\n")
    _raises(read_pisinger_csv, p, "read_pisinger_csv: {path}: line 8: instance knapPI_1_3_1 lists more items than "
                                  "its header's n 2 (line 2)")


@pytest.mark.parametrize("body,msg", [
    (PISINGER_HEAD.format(n=2) + "1,2.7,3,0\n2,3,4,0\n", "line 6: profit '2.7' is not an integer (Pisinger files "
                                                        "hold integers)"),
    (PISINGER_HEAD.format(n=2) + "1,2,nan,0\n2,3,4,0\n", "line 6: weight 'nan' is not an integer (Pisinger files "
                                                        "hold integers)"),
    (PISINGER_HEAD.format(n=1) + "1,2,1e20,0\n", "line 6: weight 100000000000000000000 does not fit in int64 "
                                                 "(integers must lie within +-(2**63-1))"),
    (PISINGER_HEAD.format(n="2.7") + "1,2,3,0\n", "line 2: instance knapPI_1_3_1: n '2.7' is not an integer >= 1"),
    ("knapPI_1\nx 5\nc 10\nz 3\ntime 0\n1,2,3,0\n", "line 2: instance knapPI_1: expected 'n <number>', found 'x 5'"),
    (PISINGER_HEAD.format(n=2) + "1,2,3,0\n3,3,4,0\n", "line 7: item index 3, expected 2"),
    (PISINGER_HEAD.format(n=1) + "1,2,3\n", "line 6: expected 'index,profit,weight,x', found '1,2,3'"),
    (PISINGER_HEAD.format(n=1) + "1,2,3,2\n", "line 6: solution entry x '2' is not 0 or 1"),
    ("knapPI_1\nn 1\nc inf\n", "line 3: instance knapPI_1: c 'inf' is not a finite number"),
])
def test_pisinger_errors(tmp_path, body, msg):
    p = _write(tmp_path, "p.csv", body)
    _raises(read_pisinger_csv, p, "read_pisinger_csv: {path}: " + msg)


def test_pisinger_file_with_no_instance(tmp_path):
    p = _write(tmp_path, "p.csv", "-----\n\n")
    _raises(read_pisinger_csv, p, "read_pisinger_csv: {path}: holds no instance")


@pytest.mark.parametrize("text,msg", [
    ("2.7 10\n1 2\n2 3\n", "line 1: the item count n '2.7' is not an integer >= 1"),
    ("3 10\n1 nan\n2 inf\n3 1e20\n", "line 2: value/weight 'nan' is not a finite number"),
    ("1 10\n1e20 1\n", "line 2: value/weight 100000000000000000000 does not fit in int64 (integers must lie within "
                       "+-(2**63-1))"),
    ("2 10\n0.5 1\n9007199254740993 1\n", "line 3: value/weight 9007199254740993 cannot be held exactly next to real "
                                          "numbers (float64): integers in a column with reals must be at most 2**53 "
                                          "= 9007199254740992"),
    ("2 10\n1 2\n2 3\n4 5\n", "line 4: unexpected '4' after the 2 value/weight pairs (2 tokens left over): only a "
                              "0/1 solution vector of n entries may follow"),
    ("2 1e400\n1 2\n2 3\n", "line 1: the capacity '1e400' is not a finite number"),
    ("0 10\n", "line 1: the item count n '0' is not an integer >= 1"),
    ("", "the file is empty"),
])
def test_plain_errors(tmp_path, text, msg):
    p = _write(tmp_path, "k.txt", text)
    _raises(read_knapsack, p, "read_knapsack: {path}: " + msg)


def test_plain_keeps_the_solution_vector_and_reals(tmp_path):
    inst = read_knapsack(_write(tmp_path, "k.txt", "2 10.5\n1.5 2\n2 3\n1 0\n"))
    assert inst.values.tolist() == [1.5, 2.0] and inst.weights.tolist() == [2.0, 3.0] and inst.capacity == 10.5


@pytest.mark.parametrize("doc,msg", [
    ("null", "expected a JSON object with values, weights and capacity, found null"),
    ('{"values": [[1, 2]], "weights": [1], "capacity": 3}', "values[0] = [1, 2] is not a number"),
    ('{"values": [1], "weights": [1]}', "missing key 'capacity'"),
    ('{"values": [1], "weights": [1], "capacity": 1e400}', "capacity = inf is not a finite number (JSON numbers "
                                                           "beyond float64, such as 1e400, read as inf)"),
    ('{"values": [true], "weights": [1], "capacity": 3}', "values[0] = true is not a number"),
    ('{"values": [1, 2], "weights": [1], "capacity": 3}', "values has 2 entries but weights has 1"),
    ('{"values": [], "weights": [], "capacity": 3}', "values and weights are empty: the instance has no items"),
    ('{"values": 5, "weights": [1], "capacity": 3}', "values must be a list of numbers, found 5"),
    ('{"values": [1], "weights": [NaN], "capacity": 3}', "weights[0] = nan is not a finite number"),
    ('{"values": [1e20], "weights": [1], "capacity": 3}', "values[0]: value 100000000000000000000 does not fit in "
                                                          "int64 (integers must lie within +-(2**63-1))"),
    ('{"values": [1],\n "weights": [1,, "capacity": 3}', "line 2: not valid JSON: Expecting value (column 16)"),
])
def test_json_errors(tmp_path, doc, msg):
    p = _write(tmp_path, "k.json", doc)
    _raises(read_knapsack, p, "read_knapsack: {path}: " + msg)


def test_binary_file_is_refused_with_its_name(tmp_path):
    p = tmp_path / "k.txt"
    p.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ValueError, match=re.escape(f"read_knapsack: {p}: not a text file")):
        read_knapsack(p)
