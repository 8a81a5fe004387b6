"""Op-table cases for the Functions of engine/ops/basics.py and basics_more.py (clone, hypot, lgamma,
polygamma/digamma), each with torch's twin as the reference; test_op_table.py generates gradcheck,
gradgradcheck, torch parity and the device twin from them."""
import engine

from .op_table import ELEMENTWISE as E, SAME as S, OpCase, torch_module


def _T():
    return torch_module()


BASICS_CASES = [
    OpCase("clone", ("Clone",), lambda a: a.clone() * a, [((3, 4),), ((),)], torch=S),
    OpCase("hypot", ("Hypot",), lambda a, b: engine.hypot(a, b), [((3, 4), (3, 4)), ((3, 4), (4,))],
           domain="away0", torch=lambda a, b: _T().hypot(a, b), derive=E),
    OpCase("lgamma", ("Lgamma",), lambda a: a.lgamma(), [((3, 4),)], domain="positive", torch=S, derive=E),
    OpCase("lgamma_negative", ("Lgamma",), lambda a: (-a).lgamma(), [((5,),)], domain="positive",
           torch=S),  # -a in (-inf, -0.5]: lgamma's poles are away from the random draws almost surely
    # torch's trigamma (the gradient) is a short series, good to ~1e-9 relative; SciPy's is exact
    OpCase("digamma", ("Polygamma",), lambda a: a.digamma(), [((3, 4),)], domain="positive", torch=S, derive=E,
           tol={"float64": dict(rtol=1e-8, atol=1e-10)}),
    OpCase("polygamma_2", ("Polygamma",), lambda a: engine.polygamma(2, a), [((3, 4),)], domain="positive",
           torch=lambda a: _T().polygamma(2, a)),
]
BASICS_CASES.append(
    OpCase("xlogy", ("Xlogy",), lambda a, b: engine.xlogy(a, b), [((3, 4), (3, 4)), ((3, 4), (4,))],
           domain="positive", torch=lambda a, b: _T().xlogy(a, b), derive=E))
