"""``python -m adcore.tour`` is the first thing a newcomer runs: it must work and read well."""

from adcore import tour


def test_tour_runs_and_every_line_fits_in_100_columns(capsys):
    tour.main()
    lines = capsys.readouterr().out.splitlines()
    headers = [line for line in lines if line and not line.startswith(" ")]
    assert [h[:2] for h in headers] == ["1.", "2.", "3."]  # everything else indented under them
    assert sum("ModeChoice:" in line for line in lines) == 3  # the three Jacobian shapes
    too_wide = [(len(line), line) for line in lines if len(line) >= 100]
    assert not too_wide, f"tour lines of 100 columns or more: {too_wide}"
