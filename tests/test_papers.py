"""papers/: every reproduction runs (quick configuration) and every claim agrees."""

import importlib

import pytest

from papers import MODULES
from papers.__main__ import main, write_report
from papers.claims import Section, matches, printed
from papers.siskind_pearlmutter import confused, nested_fwd


@pytest.fixture(scope="module")
def sections():
    return {name: importlib.import_module(f"papers.{name}").run(quick=True) for name in MODULES}


@pytest.mark.parametrize("name", MODULES)
def test_every_claim_agrees(sections, name):
    s = sections[name]
    assert isinstance(s, Section) and s.claims, f"{name} made no claims"
    bad = [f"{c.what}: published {c.published}, ours {c.ours}" for c in s.claims if not c.agree]
    assert not bad, f"{name}: claims that disagree:\n" + "\n".join(bad)
    for c in s.claims:
        assert c.cite and c.published and c.ours, f"{name}: claim {c.what!r} lacks a field"


def test_expected_coverage(sections):
    whats = {name: " ".join(c.what for c in s.claims) for name, s in sections.items()}
    for needle in (
        "(x+y)z",
        "sigmoid circuit",
        "staged: dx",
        "add/mul/max: dw",
        "matmul",
        "max(0,x)",
        "||Wx||^2",
        "linear layer: db",
        "softmax",
        "SVM",
    ):
        assert needle in whats["cs231n"], needle
    assert len([c for c in sections["baydin2018"].claims if "_bar" in c.what]) >= 10
    assert any("forward mode" in c.what for c in sections["griewank2008"].claims)
    assert any("without penalty" in c.what for c in sections["gradient_penalty"].claims)


def test_perturbation_confusion_toy_is_really_wrong():
    # the untagged toy gives the paper's wrong answer; adcore's tags give the right one
    assert confused(3.0) == 2.0
    assert float(nested_fwd(3.0)) == 1.0


def test_claims_can_disagree():
    assert not printed("x", 0.74, 0.73, 2, "c").agree
    assert printed("x", 0.7349, 0.73, 2, "c").agree
    assert not printed("x", [1.0, 2.0], [1.0], 0, "c").agree
    assert not matches("x", [1.0, 2.0 + 1e-6], [1.0, 2.0], "c").agree


def test_report_and_exit_status(sections, tmp_path, monkeypatch, capsys):
    s = sections["siskind_pearlmutter"]
    path = write_report([s], quick=True, path=tmp_path / "REPORT.md")
    text = path.read_text()
    assert "| claim | published | ours | agree | where |" in text and "9 of 9" in text
    assert main(["--only", "siskind_pearlmutter", "--quick"]) == 0
    assert "claims agree" in capsys.readouterr().out
    # a disagreeing claim makes the runner fail
    import papers.siskind_pearlmutter as sp

    monkeypatch.setattr(sp, "nested_fwd", lambda x0: 2.0)
    assert main(["--only", "siskind_pearlmutter"]) == 1


def test_progress_is_a_row_per_claim_in_aligned_columns(capsys):
    assert main(["--only", "siskind_pearlmutter", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "[1/1] siskind_pearlmutter ..." in out
    rows = [
        line.rstrip() for line in out.splitlines() if line.rstrip().endswith((" yes", " agree"))
    ]
    assert len(rows) == 10  # the header and the module's nine claims
    assert len({row.rindex(" ") for row in rows}) == 1, "the agree column moved"
